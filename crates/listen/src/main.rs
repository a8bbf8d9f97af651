//! `herald-listen`: signs in, subscribes to a person's channels and prints their events
//! until Ctrl-C. The manual test script of the seeds, in Rust. See `--help`.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use herald_listen::cli::{Line, Options, clock, render};
use herald_listen::{ChannelAuthorizer, Client, ClientConfig, ClientEvent, sign_in, socket_url};
use herald_protocol::{ConnectionState, Event};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // clap prints help or the mistake with the usage, and exits with 2 on a mistake.
    let options = Options::parse();

    status(&format!("signing in to {} as {}", options.api, options.email));
    let (token, user) = match sign_in(&options.api, &options.email, &options.password).await {
        Ok(signed_in) => signed_in,
        Err(error) => {
            eprintln!("herald-listen: {error}");
            return ExitCode::FAILURE;
        }
    };
    let tenant = user.tenant_id.map_or_else(|| "no tenant".to_owned(), |id| format!("tenant {id}"));
    status(&format!(
        "signed in as {} <{}>: {}, user {}, {tenant}",
        user.name,
        user.email,
        user.role.label(),
        user.id
    ));

    let channels = if options.channels.is_empty() {
        herald_listen::channels_for(&options.templates(), &user)
    } else {
        options.channels.clone()
    };
    let url = socket_url(&options.ws, &options.key);
    status(&format!("connecting to {url} for {}", channels.join(", ")));
    let mut config = ClientConfig::new(url);
    config.authorizer = Some(ChannelAuthorizer::new(&options.api, token));
    config.channels = channels;
    config.trace_frames = options.debug;
    let (client, mut events) = Client::start(config);

    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    let exit = loop {
        tokio::select! {
            _ = &mut interrupted => {
                status("interrupted; closing");
                break ExitCode::SUCCESS;
            }
            event = events.recv() => {
                let Some(event) = event else { break ExitCode::FAILURE };
                print_event(&event, &client, options.debug);
                // A refusal the state machine will not retry (4000–4099) ends the listener.
                if let ClientEvent::Protocol(Event::StateChanged(ConnectionState::Failed { .. })) = event {
                    break ExitCode::FAILURE;
                }
            }
        }
    };
    client.shutdown().await;
    while let Some(event) = events.recv().await {
        print_event(&event, &client, options.debug);
    }
    exit
}

fn print_event(event: &ClientEvent, client: &Client, debug: bool) {
    let time = clock(SystemTime::now());
    match render(event, client.now(), debug) {
        Some(Line::Event(line)) => println!("{time} {line}"),
        Some(Line::Status(line)) => eprintln!("{time} {line}"),
        None => {}
    }
}

fn status(text: &str) {
    eprintln!("{} {text}", clock(SystemTime::now()));
}
