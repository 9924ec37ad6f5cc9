//! `s3`: upload to S3-compatible storage (object_store's S3 client) in the origin layout, so
//! the bucket can be a CDN's origin and a pull node's:
//!
//! ```text
//! objects/<sha256>                 each listed file's bytes, by SHA-256 (lowercase hex)
//! cortes/<N>/manifest.json         exact bytes
//! cortes/<N>/manifest.json.minisig
//! cortes/<N>/json/main.json        the package pointer
//! latest.json                      {"sequence": N}, written last
//! ```
//!
//! Content first (only objects not already in the bucket: one listing of `objects/`), then
//! the corte's files, then `latest.json` (never moved back to an older corte). Credentials
//! come from the channel's `credentials_file` or the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`), never from `difusores.toml` itself, and are never logged.

use super::{Channel, Delivery, Job, Sent};
use crate::difusores::S3;
use anyhow::{Context, bail};
use futures::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{GetOptions, ObjectStore, PutOptions, PutPayload};
use prep_corte::{MANIFEST_PATH, POINTER_PATH};
use prep_inbox::SIGNATURE_PATH;
use std::collections::HashSet;
use std::sync::Arc;

/// Uploads at once.
const PARALLEL_UPLOADS: usize = 8;

/// Delivers to an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3Channel {
    /// The bucket and where it is.
    pub s3: S3,
}

impl Channel for S3Channel {
    fn kind(&self) -> &'static str {
        "s3"
    }

    fn deliver<'a>(&'a self, job: &'a Job) -> Delivery<'a> {
        Box::pin(self.upload(job))
    }
}

impl S3Channel {
    /// The bucket's client.
    pub fn open_store(&self) -> anyhow::Result<Arc<dyn ObjectStore>> {
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&self.s3.bucket)
            .with_region(&self.s3.region);
        match &self.s3.credentials_file {
            Some(file) => {
                let c = Credentials::read(file)?;
                builder = builder
                    .with_access_key_id(c.access_key_id)
                    .with_secret_access_key(c.secret_access_key);
            }
            None => {
                for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
                    if std::env::var_os(var).is_none() {
                        bail!("{var} is not set and the channel names no credentials_file");
                    }
                }
            }
        }
        if let Some(endpoint) = &self.s3.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        Ok(Arc::new(
            builder.build().context("cannot set up the S3 client")?,
        ))
    }

    /// A key in the layout, under the prefix when one is configured.
    pub fn key(&self, rest: &str) -> Key {
        match &self.s3.prefix {
            Some(p) => Key::from(format!("{p}/{rest}")),
            None => Key::from(rest),
        }
    }

    async fn upload(&self, job: &Job) -> anyhow::Result<Sent> {
        let store = self.open_store()?;
        let objects = self.key("objects");
        let present: HashSet<String> = store
            .list(Some(&objects))
            .map_ok(|meta| meta.location.filename().unwrap_or_default().to_owned())
            .try_collect()
            .await
            .with_context(|| format!("cannot list {objects} in bucket {}", self.s3.bucket))?;
        let mut wanted = HashSet::new();
        let missing: Vec<(String, String)> = job
            .manifest
            .files
            .iter()
            .filter(|f| !present.contains(&f.sha256) && wanted.insert(f.sha256.clone()))
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect();
        let mut sent = Sent {
            skipped: (job.manifest.files.len() - missing.len()) as u64,
            ..Sent::default()
        };
        let uploads = futures::stream::iter(missing)
            .map(|(path, sha256)| {
                let store = Arc::clone(&store);
                let file = job.corte_dir.join(&path);
                let key = self.key(&format!("objects/{sha256}"));
                async move {
                    let bytes = tokio::fs::read(&file)
                        .await
                        .with_context(|| format!("cannot read {}", file.display()))?;
                    if prep_package::sha256_hex(&bytes) != sha256 {
                        bail!("{} does not match its manifest entry", file.display());
                    }
                    let len = bytes.len() as u64;
                    put(&*store, &key, bytes).await?;
                    Ok::<u64, anyhow::Error>(len)
                }
            })
            .buffer_unordered(PARALLEL_UPLOADS);
        let sizes: Vec<u64> = uploads.try_collect().await?;
        sent.files += sizes.len() as u64;
        sent.bytes += sizes.iter().sum::<u64>();
        let corte = format!("cortes/{}", job.sequence);
        for path in [MANIFEST_PATH, SIGNATURE_PATH, POINTER_PATH] {
            let file = job.corte_dir.join(path);
            let bytes = tokio::fs::read(&file)
                .await
                .with_context(|| format!("cannot read {}", file.display()))?;
            sent.files += 1;
            sent.bytes += bytes.len() as u64;
            put(&*store, &self.key(&format!("{corte}/{path}")), bytes).await?;
        }
        let latest_key = self.key("latest.json");
        if latest(&*store, &latest_key)
            .await?
            .is_none_or(|l| l < job.sequence)
        {
            let bytes = serde_json::to_vec(&serde_json::json!({"sequence": job.sequence}))?;
            sent.files += 1;
            sent.bytes += bytes.len() as u64;
            put(&*store, &latest_key, bytes).await?;
        }
        Ok(sent)
    }
}

/// The bucket's credentials file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    access_key_id: String,
    secret_access_key: String,
}

impl Credentials {
    fn read(file: &std::path::Path) -> anyhow::Result<Credentials> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the credentials file {}", file.display()))?;
        // The message names the file and the key at fault, never a value.
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}; write access_key_id = \"…\" and secret_access_key = \"…\"",
                file.display(),
                e.message()
            )
        })
    }
}

async fn put(store: &dyn ObjectStore, key: &Key, bytes: Vec<u8>) -> anyhow::Result<()> {
    store
        .put_opts(key, PutPayload::from(bytes), PutOptions::default())
        .await
        .with_context(|| format!("cannot upload {key}"))?;
    Ok(())
}

/// The sequence `latest.json` names, if there is one.
pub async fn latest(store: &dyn ObjectStore, key: &Key) -> anyhow::Result<Option<u64>> {
    match store.get_opts(key, GetOptions::default()).await {
        Ok(got) => {
            let bytes = got.bytes().await?;
            #[derive(serde::Deserialize)]
            struct Latest {
                sequence: u64,
            }
            let l: Latest = serde_json::from_slice(&bytes)
                .with_context(|| format!("{key} is not {{\"sequence\": N}}"))?;
            Ok(Some(l.sequence))
        }
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {key}")),
    }
}
