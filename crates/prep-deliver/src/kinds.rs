//! Every channel kind of `difusores.toml` and the channel that delivers it: the push
//! channels into a node's inbox ([`crate::channel`]) and the publication folders
//! ([`crate::folder`]).

use crate::channel::{self, Channel};
use crate::difusores::Channel as Settings;
use crate::folder::FolderChannel;
use crate::folder::ftps::FtpsFolder;
use crate::folder::local::LocalFolder;
use crate::folder::rsync::{RsyncFolder, RsyncTarget};
use crate::folder::sftp::SftpFolder;

/// The channel for a difusor's settings.
pub fn channel_for(settings: &Settings) -> Box<dyn Channel> {
    match settings {
        Settings::Dir { inbox } => Box::new(channel::dir::DirChannel {
            inbox: inbox.clone(),
        }),
        Settings::Sftp(ssh) => Box::new(channel::sftp::SftpChannel { ssh: ssh.clone() }),
        Settings::Rsync(ssh) => Box::new(channel::rsync::RsyncChannel { ssh: ssh.clone() }),
        Settings::S3(s3) => Box::new(channel::s3::S3Channel { s3: s3.clone() }),
        Settings::Pull => Box::new(channel::pull::PullChannel),
        Settings::DirFolder { folder } => {
            let root = folder.clone();
            Box::new(FolderChannel::new(settings.kind(), move || {
                Box::new(LocalFolder { root: root.clone() })
            }))
        }
        Settings::SftpFolder { ssh, folder } => {
            let (ssh, folder) = (ssh.clone(), folder.clone());
            Box::new(FolderChannel::new(settings.kind(), move || {
                Box::new(SftpFolder::new(ssh.clone(), folder.clone()))
            }))
        }
        Settings::RsyncFolder { ssh, folder } => {
            let target = RsyncTarget::Ssh {
                ssh: ssh.clone(),
                folder: folder.clone(),
            };
            Box::new(FolderChannel::new(settings.kind(), move || {
                Box::new(RsyncFolder {
                    target: target.clone(),
                })
            }))
        }
        Settings::RsyncdFolder(daemon) => {
            let target = RsyncTarget::Daemon(daemon.clone());
            Box::new(FolderChannel::new(settings.kind(), move || {
                Box::new(RsyncFolder {
                    target: target.clone(),
                })
            }))
        }
        Settings::FtpsFolder(ftps) => {
            let ftps = ftps.clone();
            Box::new(FolderChannel::new(settings.kind(), move || {
                Box::new(FtpsFolder::new(ftps.clone()))
            }))
        }
    }
}
