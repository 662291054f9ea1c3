//! The Sockets port over a Durable Object's hibernating WebSockets: tags and attachments live
//! with the platform, so they survive the object's eviction.

use hub_ports::Sockets;

pub struct HibernatingSockets<'a>(pub &'a worker::State);

impl HibernatingSockets<'_> {
    /// Accepts the server end of a new pair with `tags` and `attachment`, and sends it `messages`;
    /// returns the response that hands the client end to the browser.
    pub fn accept(
        &self,
        tags: &[String],
        attachment: &str,
        messages: &[String],
    ) -> worker::Result<worker::Response> {
        let pair = worker::WebSocketPair::new()?;
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        self.0.accept_websocket_with_tags(&pair.server, &tags);
        pair.server.serialize_attachment(attachment)?;
        for message in messages {
            pair.server.send_with_str(message)?;
        }
        worker::Response::from_websocket(pair.client)
    }
}

impl Sockets for HibernatingSockets<'_> {
    type Socket = worker::WebSocket;

    fn tagged(&self, tag: &str) -> Vec<worker::WebSocket> {
        self.0.get_websockets_with_tag(tag)
    }

    fn attachment(&self, socket: &worker::WebSocket) -> Option<String> {
        socket.deserialize_attachment::<String>().ok().flatten()
    }

    fn send(&self, socket: &worker::WebSocket, text: &str) -> Result<(), String> {
        socket.send_with_str(text).map_err(|e| e.to_string())
    }

    fn close(&self, socket: &worker::WebSocket, code: u16, reason: &str) -> bool {
        socket.close(Some(code), Some(reason)).is_ok()
    }
}
