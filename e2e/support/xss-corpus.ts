// Cross-site scripting payloads for the security spec: text a hostile tenant, user or backend
// could put into any field Herald shows. Rendered as text they are harmless; rendered as markup,
// each would run script (they call `alert`, so a dialog shows it), load a URL (`x`, or
// `evil.test`, so a request shows it) or add an element (so the page's element census shows it).
//
// Every payload is at most 100 characters (titles are clipped at 120) and has no space at
// either end (the app trims payload text), so each should appear in the page exactly as
// written. None ends with a full stop, which the AccountSuspended message would trim.

export interface Payload {
  /** What the payload tries, for failure messages. */
  readonly kind: string;
  readonly text: string;
}

export const XSS_CORPUS: readonly Payload[] = [
  // Plain markup.
  { kind: 'script tag', text: '<script>alert(1)</script>' },
  { kind: 'img onerror', text: '<img src=x onerror=alert(2)>' },
  { kind: 'svg onload', text: '<svg onload=alert(3)>' },
  { kind: 'script inside svg', text: '<svg><script>alert(4)</script></svg>' },
  { kind: 'svg animate onbegin', text: '<svg><animate onbegin=alert(5) attributeName=x dur=1s>' },
  { kind: 'iframe javascript: src', text: '<iframe src="javascript:alert(6)"></iframe>' },
  { kind: 'iframe srcdoc', text: '<iframe srcdoc="<script>alert(7)</script>"></iframe>' },
  { kind: 'body onload', text: '<body onload=alert(8)>' },
  { kind: 'details ontoggle', text: '<details open ontoggle=alert(9)>' },
  { kind: 'input autofocus onfocus', text: '<input autofocus onfocus=alert(10)>' },
  { kind: 'video source onerror', text: '<video><source onerror=alert(11)></video>' },
  { kind: 'object data', text: '<object data="javascript:alert(12)"></object>' },
  { kind: 'embed src', text: '<embed src="javascript:alert(13)">' },
  { kind: 'img srcset to another origin', text: '<img srcset="//evil.test/x.png 1x">' },
  { kind: 'eval from src', text: '<img src=x:alert(14) onerror=eval(src)>' },
  // URLs and elements that change where things go.
  { kind: 'javascript: URL', text: 'javascript:alert(15)' },
  { kind: 'link with javascript: href', text: '<a href="javascript:alert(16)">Review</a>' },
  { kind: 'data: URL', text: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxNyk8L3NjcmlwdD4=' },
  { kind: 'form action', text: '<form action="javascript:alert(18)"><button>Go</button></form>' },
  { kind: 'meta refresh', text: '<meta http-equiv="refresh" content="0;url=javascript:alert(19)">' },
  { kind: 'base href', text: '<base href="//evil.test/">' },
  { kind: 'stylesheet link', text: '<link rel=stylesheet href=//evil.test/x.css>' },
  { kind: 'style import', text: "<style>@import '//evil.test/x.css'</style>" },
  { kind: 'markdown link', text: '[Review](javascript:alert(20))' },
  // Breaking out of an attribute, a tag or a comment the text might have been pasted into.
  { kind: 'double-quoted attribute breakout', text: '"><script>alert(21)</script>' },
  { kind: 'single-quoted attribute breakout', text: "'><img src=x onerror=alert(22)>" },
  { kind: 'event attribute injection', text: '" onmouseover="alert(23)" x="' },
  { kind: 'autofocus attribute injection', text: "' autofocus onfocus='alert(24)' x='" },
  { kind: 'title breakout', text: '</title><script>alert(25)</script>' },
  { kind: 'textarea breakout', text: '</textarea><img src=x onerror=alert(26)>' },
  { kind: 'comment breakout', text: '<!--<img src="--><img src=x onerror=alert(27)//">' },
  { kind: 'noscript mutation', text: '<noscript><p title="</noscript><img src=x onerror=alert(28)>">' },
  { kind: 'math mutation', text: '<math><mtext><table><mglyph><style><img src=x onerror=alert(29)>' },
  { kind: 'nested script tags', text: '<scr<script>ipt>alert(30)</scr</script>ipt>' },
  // Encodings that a second decoding step would turn into markup.
  { kind: 'named entities', text: '&lt;script&gt;alert(31)&lt;/script&gt;' },
  { kind: 'numeric entities', text: '&#60;img src=x onerror=alert(32)&#62;' },
  { kind: 'JSON unicode escapes', text: '\\u003cscript\\u003ealert(33)\\u003c/script\\u003e' },
  { kind: 'percent encoding', text: '%3Cscript%3Ealert(34)%3C%2Fscript%3E' },
  // Unicode tricks.
  { kind: 'fullwidth brackets', text: '＜script＞alert(35)＜/script＞' },
  { kind: 'zero-width space inside the tag name', text: '<scr\u200bipt>alert(36)</scr\u200bipt>' },
  { kind: 'right-to-left override', text: '\u202egnp.exe<img src=x onerror=alert(37)>' },
  { kind: 'NUL byte inside a tag', text: '<img src=x\u0000 onerror=alert(38)>' },
  { kind: 'combining marks', text: 'Z\u0337\u0322a\u0334l\u0335g\u0336o<svg onload=alert(39)>' },
  // Template syntax other frameworks would evaluate.
  { kind: 'template expression', text: "{{constructor.constructor('alert(40)')()}}" },
  { kind: 'template literal', text: '${alert(41)}' },
];

/**
 * Tags a rendered payload would add. The app itself adds none of these while it runs. (Not
 * `input`: the history page adds a mute checkbox per kind of event it has seen. An injected
 * input would bring its `onfocus` handler, which the census catches anyway.)
 */
export const PAYLOAD_TAGS = [
  'script', 'img', 'svg', 'animate', 'iframe', 'frame', 'object', 'embed', 'video', 'audio', 'source',
  'math', 'style', 'link', 'meta', 'base', 'details', 'noscript', 'template', 'form', 'textarea',
] as const;
