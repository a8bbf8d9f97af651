//! `herald-listen`: signs in, subscribes to a person's channels and prints their events
//! until Ctrl-C, refreshing the session's tokens as they age; exits with 1 when the backend
//! ends the session. The manual test script of the seeds, in Rust. See `--help`.

use std::process::ExitCode;
use std::time::SystemTime;

use clap::Parser;
use herald_listen::cli::{Line, Options, clock, render, render_session};
use herald_listen::{
    ChannelAuthorizer, Client, ClientConfig, ClientEvent, Session, SessionEvent, sign_in, socket_url,
};
use herald_protocol::{ConnectionState, Event};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // clap prints help or the mistake with the usage, and exits with 2 on a mistake.
    let options = Options::parse();

    status(&format!("signing in to {} as {}", options.api, options.email));
    let (grant, user) = match sign_in(&options.api, &options.email, &options.password).await {
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
    // The session refreshes the tokens; the authorizer always signs with the newest.
    let (session, mut session_events) = Session::start(&options.api, grant);
    let mut config = ClientConfig::new(url);
    config.authorizer = Some(ChannelAuthorizer::new(&options.api, session.token()));
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
            event = session_events.recv() => {
                let Some(event) = event else {
                    status("the session's task stopped unexpectedly; closing");
                    break ExitCode::FAILURE;
                };
                print_line(render_session(&event));
                // The backend refused a refresh, or the tokens ran out: only a new sign-in helps.
                if let SessionEvent::Ended { .. } = event {
                    break ExitCode::FAILURE;
                }
            }
        }
    };
    session.stop();
    client.shutdown().await;
    while let Some(event) = events.recv().await {
        print_event(&event, &client, options.debug);
    }
    exit
}

fn print_event(event: &ClientEvent, client: &Client, debug: bool) {
    if let Some(line) = render(event, client.now(), debug) {
        print_line(line);
    }
}

fn print_line(line: Line) {
    let time = clock(SystemTime::now());
    match line {
        Line::Event(line) => println!("{time} {line}"),
        Line::Status(line) => eprintln!("{time} {line}"),
    }
}

fn status(text: &str) {
    eprintln!("{} {text}", clock(SystemTime::now()));
}
