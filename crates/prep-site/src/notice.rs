//! The suspension notice page: what a difusor's site shows while the institute's signed
//! notice is in force, rendered from the notice's fields by the embedded `aviso.html`
//! template (not replaceable by an institute: its only style is pinned by hash in the
//! `Content-Security-Policy` of the node and of the web-server snippets).

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, context};

/// The notice page's only style, inline: allowed by its hash ([`notice_style_source`]) in the
/// `Content-Security-Policy`, which allows no other inline style.
pub const NOTICE_CSS: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}";

/// The page's template.
const TEMPLATE: &str = include_str!("../templates/aviso.html");

/// What the notice page says: the signed notice's texts.
#[derive(Debug, Clone, Copy)]
pub struct NoticePage<'a> {
    /// The institute's name (`Instituto Electoral del Estado de Puebla`).
    pub institute: &'a str,
    /// The heading.
    pub title: &'a str,
    /// The message; paragraphs separated by blank lines, lines within one by a newline.
    pub message: &'a str,
    /// The notice's sequence.
    pub sequence: u64,
    /// When it was issued, as signed (RFC 3339).
    pub issued: &'a str,
}

/// The notice page (es-MX, HTML), every text of the notice escaped.
pub fn notice_page(page: &NoticePage<'_>) -> String {
    let paragraphs: Vec<Vec<String>> = page
        .message
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.split('\n').map(str::to_owned).collect())
        .collect();
    let mut env = Environment::new();
    env.set_syntax(
        SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .expect("the default delimiters are valid"),
    );
    env.add_template("aviso.html", TEMPLATE)
        .expect("the embedded notice template parses (a test renders it)");
    env.get_template("aviso.html")
        .and_then(|t| {
            t.render(context! {
                css => NOTICE_CSS,
                institute => page.institute,
                title => page.title,
                paragraphs => paragraphs,
                sequence => page.sequence,
                issued => page.issued,
            })
        })
        .expect("the embedded notice template renders strings and a number")
}

/// The CSP source that allows [`NOTICE_CSS`]: `'sha256-<base64>'`.
pub fn notice_style_source() -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(NOTICE_CSS.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(message: &str) -> String {
        notice_page(&NoticePage {
            institute: "Instituto Electoral del Estado de Puebla",
            title: "Suspensión <temporal>",
            message,
            sequence: 3,
            issued: "2024-06-02T23:00:00-06:00",
        })
    }

    #[test]
    fn the_page_is_the_notice_escaped_with_its_paragraphs_and_lines() {
        let html =
            page("Por causas de fuerza mayor\nse suspende.\n\n\n  Gracias & disculpe.  \n\n");
        assert_eq!(
            html,
            "<!doctype html>\n<html lang=\"es-MX\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>Suspensión &lt;temporal&gt; · PREP</title>\n\
             <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>\n\
             </head>\n<body>\n<main>\n\
             <p><strong>Aviso oficial de Instituto Electoral del Estado de Puebla</strong></p>\n\
             <h1>Suspensión &lt;temporal&gt;</h1>\n\
             <p>Por causas de fuerza mayor<br>se suspende.</p>\n\
             <p>Gracias &amp; disculpe.</p>\n\
             <p>La publicación de resultados del PREP está suspendida. Se reanudará cuando el Instituto publique un nuevo corte.</p>\n\
             <p><small>Aviso número 3, emitido el 2024-06-02T23:00:00-06:00, firmado por el Instituto.</small></p>\n\
             </main>\n</body>\n</html>\n"
        );
    }

    #[test]
    fn markup_in_any_text_stays_text() {
        let html = notice_page(&NoticePage {
            institute: "<script>alert(1)</script>",
            title: "\"><img src=x onerror=alert(1)>",
            message: "<b>hola</b>\n<i>adiós</i>",
            sequence: 1,
            issued: "<x>",
        });
        for raw in ["<script", "<img", "<b>", "<i>", "<x>"] {
            assert!(!html.contains(raw), "{raw} in {html}");
        }
        assert!(
            html.contains("&lt;b&gt;hola&lt;&#x2f;b&gt;<br>&lt;i&gt;"),
            "{html}"
        );
    }

    #[test]
    fn the_style_is_the_one_the_policy_allows() {
        assert!(page("x").contains(&format!("<style>{NOTICE_CSS}</style>")));
        assert_eq!(
            notice_style_source(),
            "'sha256-lQgWvw7JURyPM0bqj1Nb2CxYoNQ+JjkCuhPQhfbezEQ='"
        );
    }
}
