//! What a request is: a page (an HTML document or a JSON/CSV data request), a static asset,
//! or a crawler's request.

/// The rules that tell pages from assets and people from crawlers.
#[derive(Debug, Clone)]
pub struct Classifier {
    page_extensions: Vec<Vec<u8>>,
    crawler_markers: Vec<Vec<u8>>,
}

/// File extensions counted as pages by default (besides paths ending in `/` or with no
/// extension): documents and the data the results site loads.
pub const DEFAULT_PAGE_EXTENSIONS: &[&str] = &[
    "html", "htm", "json", "csv", "zip", "php", "asp", "aspx", "jsp", "shtml",
];

/// Lower-case user-agent fragments that mark a crawler, robot or script (AWStats keeps a longer
/// list; these cover what media portals see most).
pub const DEFAULT_CRAWLER_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "facebookexternalhit",
    "mediapartners",
    "feedfetcher",
    "wget",
    "curl/",
    "python-requests",
    "python-urllib",
    "go-http-client",
    "java/",
    "libwww",
    "httpclient",
    "scrapy",
    "headlesschrome",
    "uptime",
    "monitor",
    "wrk",
];

impl Default for Classifier {
    fn default() -> Self {
        Classifier::new(
            DEFAULT_PAGE_EXTENSIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        )
    }
}

impl Classifier {
    /// Rules with these page extensions (without dots, any case) and the default crawler list.
    pub fn new(page_extensions: Vec<String>) -> Self {
        Classifier {
            page_extensions: page_extensions
                .into_iter()
                .map(|e| e.trim_start_matches('.').to_ascii_lowercase().into_bytes())
                .collect(),
            crawler_markers: DEFAULT_CRAWLER_MARKERS
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
        }
    }

    /// Whether a path (no query string) is a page: ends in `/`, has no extension, or has a page
    /// extension.
    pub fn is_page_path(&self, path: &[u8]) -> bool {
        let last = match memchr::memrchr(b'/', path) {
            Some(i) => &path[i + 1..],
            None => path,
        };
        match memchr::memrchr(b'.', last) {
            None => true,
            Some(dot) => {
                let ext = &last[dot + 1..];
                self.page_extensions
                    .iter()
                    .any(|e| e.eq_ignore_ascii_case(ext))
            }
        }
    }

    /// Whether a user agent is a crawler's (an empty or `-` agent counts as one: browsers
    /// always send one).
    pub fn is_crawler(&self, user_agent: &[u8]) -> bool {
        if user_agent.is_empty() || user_agent == b"-" {
            return true;
        }
        let lower = user_agent.to_ascii_lowercase();
        self.crawler_markers
            .iter()
            .any(|m| memchr::memmem::find(&lower, m).is_some())
    }
}

/// Whether a status counts for pages and visits (AWStats' valid codes: 2xx and 304).
pub fn is_success_for_pages(status: u16) -> bool {
    (200..300).contains(&status) || status == 304
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_assets_and_crawlers() {
        let c = Classifier::default();
        assert!(c.is_page_path(b"/"));
        assert!(c.is_page_path(b"/resultados/gubernatura"));
        assert!(c.is_page_path(b"/json/main.json"));
        assert!(c.is_page_path(b"/INDEX.HTML"));
        assert!(!c.is_page_path(b"/assets/app.js"));
        assert!(!c.is_page_path(b"/img/logo.svg"));
        assert!(c.is_crawler(
            b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        ));
        assert!(c.is_crawler(b"-"));
        assert!(!c.is_crawler(b"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/126.0"));
        let json_off = Classifier::new(vec!["html".into()]);
        assert!(!json_off.is_page_path(b"/json/main.json"));
    }
}
