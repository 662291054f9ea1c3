//! A Durable Object's accepted WebSockets as a port: found by tag, each with the JSON it was
//! accepted with (the Hibernation API keeps both across evictions). Adapters: the object's state in
//! `hub-workerd`, [`RecordingSockets`] in tests.

use std::cell::RefCell;

pub trait Sockets {
    type Socket;
    /// The open sockets accepted with `tag`.
    fn tagged(&self, tag: &str) -> Vec<Self::Socket>;
    /// The JSON the socket was accepted with.
    fn attachment(&self, socket: &Self::Socket) -> Option<String>;
    fn send(&self, socket: &Self::Socket, text: &str) -> Result<(), String>;
    /// Closes the socket; `false` when it was already gone.
    fn close(&self, socket: &Self::Socket, code: u16, reason: &str) -> bool;
}

/// One socket of [`RecordingSockets`]: its tags, attachment, what it was sent and how it closed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedSocket {
    pub tags: Vec<String>,
    pub attachment: String,
    pub sent: Vec<String>,
    pub closed: Option<u16>,
}

/// In-memory sockets for tests.
#[derive(Debug, Default)]
pub struct RecordingSockets {
    pub sockets: RefCell<Vec<RecordedSocket>>,
}

impl RecordingSockets {
    /// Adds an open socket; returns its index.
    pub fn open(&self, tags: &[&str], attachment: &str) -> usize {
        let mut sockets = self.sockets.borrow_mut();
        sockets.push(RecordedSocket {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            attachment: attachment.to_owned(),
            ..RecordedSocket::default()
        });
        sockets.len() - 1
    }

    pub fn get(&self, index: usize) -> RecordedSocket {
        self.sockets.borrow()[index].clone()
    }
}

impl Sockets for RecordingSockets {
    type Socket = usize;

    fn tagged(&self, tag: &str) -> Vec<usize> {
        let sockets = self.sockets.borrow();
        (0..sockets.len())
            .filter(|i| sockets[*i].closed.is_none() && sockets[*i].tags.iter().any(|t| t == tag))
            .collect()
    }

    fn attachment(&self, socket: &usize) -> Option<String> {
        self.sockets.borrow().get(*socket).map(|s| s.attachment.clone())
    }

    fn send(&self, socket: &usize, text: &str) -> Result<(), String> {
        match self.sockets.borrow_mut().get_mut(*socket) {
            Some(s) if s.closed.is_none() => {
                s.sent.push(text.to_owned());
                Ok(())
            }
            _ => Err("the socket is closed".into()),
        }
    }

    fn close(&self, socket: &usize, code: u16, _reason: &str) -> bool {
        match self.sockets.borrow_mut().get_mut(*socket) {
            Some(s) if s.closed.is_none() => {
                s.closed = Some(code);
                true
            }
            _ => false,
        }
    }
}
