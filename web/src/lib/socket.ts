// The live notification socket: `/api/ws/notifications` on this origin. It reconnects with
// exponential backoff (with jitter, reset once the server greets us), checks the connection with
// `ping`/`pong`, reconnects at once when the browser comes back online, and sends acks in batches.

import { href } from "../api/client";
import { endpoints } from "../api/endpoints";
import type { ClientMessage, Notification, ServerMessage } from "../api/types";

export type SocketStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface SocketHandlers {
  onHello: (unreadCount: number) => void;
  onNotification: (notification: Notification) => void;
  /** `attempt`: failed connections in a row (0 once connected). */
  onStatus: (status: SocketStatus, attempt: number) => void;
}

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const ACK_DELAY_MS = 100;

/** The delay before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s ... 30 s, each 50-100%. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() / 2));
}

export class NotificationSocket {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer: number | undefined;
  private pingTimer: number | undefined;
  private pongTimer: number | undefined;
  private ackTimer: number | undefined;
  private pendingAcks = new Set<number>();
  private readonly handlers: SocketHandlers;

  constructor(handlers: SocketHandlers) {
    this.handlers = handlers;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    document.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    document.removeEventListener("visibilitychange", this.onVisible);
    window.clearTimeout(this.reconnectTimer);
    this.clearHeartbeat();
    this.flushAcks();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.close(1000, "bye");
    }
    this.handlers.onStatus("closed", 0);
  }

  /** Acknowledges notifications the app has shown (sent in one message shortly after). */
  ack(id: number): void {
    this.pendingAcks.add(id);
    if (this.ackTimer === undefined) {
      this.ackTimer = window.setTimeout(() => this.flushAcks(), ACK_DELAY_MS);
    }
  }

  private flushAcks(): void {
    window.clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.pendingAcks.size === 0 || this.ws?.readyState !== WebSocket.OPEN) return;
    const message: ClientMessage = { type: "ack", ids: [...this.pendingAcks] };
    this.ws.send(JSON.stringify(message));
    this.pendingAcks.clear();
  }

  private url(): string {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}${href(endpoints.notificationSocket, {})}`;
  }

  private connect(): void {
    if (this.stopped) return;
    window.clearTimeout(this.reconnectTimer);
    if (this.attempt === 0) this.handlers.onStatus("connecting", 0);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.startHeartbeat();
    ws.onmessage = (event) => this.onMessage(event);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearHeartbeat();
      this.scheduleReconnect();
    };
    // An error is followed by close; the reconnect happens there.
    ws.onerror = () => {};
  }

  private onMessage(event: MessageEvent): void {
    if (typeof event.data !== "string") return;
    if (event.data === "pong") {
      window.clearTimeout(this.pongTimer);
      this.pongTimer = undefined;
      return;
    }
    let message: ServerMessage;
    try {
      message = JSON.parse(event.data) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case "hello":
        this.attempt = 0;
        this.handlers.onStatus("open", 0);
        this.handlers.onHello(message.unread_count);
        // Acks queued while disconnected go now.
        this.flushAcks();
        break;
      case "notification":
        this.handlers.onNotification(message.notification);
        break;
      case "error":
        console.warn("notification socket:", message.message);
        break;
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.handlers.onStatus("reconnecting", this.attempt);
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = window.setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(): void {
    this.clearHeartbeat();
    this.pingTimer = window.setInterval(() => {
      if (this.ws?.readyState !== WebSocket.OPEN) return;
      this.ws.send("ping");
      window.clearTimeout(this.pongTimer);
      // No pong in time: the connection is dead even if the browser has not noticed.
      this.pongTimer = window.setTimeout(() => this.ws?.close(4000, "no pong"), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  private clearHeartbeat(): void {
    window.clearInterval(this.pingTimer);
    window.clearTimeout(this.pongTimer);
    this.pingTimer = undefined;
    this.pongTimer = undefined;
  }

  /** Back online, or the tab is visible again while disconnected: try now instead of waiting. */
  private readonly onOnline = () => this.retryNow();
  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.retryNow();
  };

  private retryNow(): void {
    if (this.stopped || this.ws) return;
    this.attempt = 0;
    this.connect();
  }
}
