// The live connection to one generation: server-sent events first; after a drop the browser reconnects (the
// server answers every connection with a full snapshot); while the stream is down the status URL is polled.
import { ApiError, api, describeProblem } from './api.js';

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);
const POLL_MS = 3000;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15000;
// The server sends a heartbeat after 15 s of silence; a stream quiet for much longer is dead without knowing it.
const SILENCE_LIMIT_MS = 40000;
const WATCHDOG_MS = 5000;

export function isTerminal(status) {
  return TERMINAL.has(status);
}

/**
 * handlers: snapshot(statusWithVariants), status(statusWithoutVariants), variant(variant), mode(name), fatal(err)
 * modes: 'connecting' → 'live' (stream open) | 'reconnecting' | 'polling' | 'offline' | 'done'
 */
export class LiveJob {
  constructor(jobId, handlers) {
    this.jobId = jobId;
    this.handlers = handlers;
    this.source = null;
    this.pollTimer = null;
    this.reconnectTimer = null;
    this.failures = 0;
    this.stopped = false;
    this.mode = null;
    this.lastMessageAt = 0;
    this.watchdog = null;
    this.onOffline = () => this.wentOffline();
    this.onOnline = () => this.cameOnline();
    window.calendaryLive = window.calendaryLive || [];
  }

  start() {
    this.setMode('connecting');
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
    this.watchdog = setInterval(() => this.checkSilence(), WATCHDOG_MS);
    if (typeof EventSource === 'undefined') {
      this.startPolling();
      return;
    }
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    clearInterval(this.watchdog);
    this.closeSource();
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    window.calendaryLive.push({ job: this.jobId, mode, at: Date.now() });
    document.body.dataset.live = mode;
    if (this.handlers.mode) this.handlers.mode(mode);
  }

  closeSource() {
    if (this.source) {
      this.source.close();
      this.source = null;
    }
  }

  async connect() {
    if (this.stopped) return;
    this.closeSource();
    // EventSource can't send the bearer token: a short-lived ticket for this job goes in the URL instead.
    let ticket;
    try {
      ({ ticket } = await api(`/api/calendars/generate/${this.jobId}/events/ticket`, { method: 'POST' }));
    } catch {
      this.retryLater();
      return;
    }
    if (this.stopped || this.source) return;
    const url = `/api/calendars/generate/${this.jobId}/events?ticket=${encodeURIComponent(ticket)}`;
    const source = new EventSource(url);
    this.source = source;
    this.lastMessageAt = Date.now();
    source.onopen = () => { this.lastMessageAt = Date.now(); };
    source.addEventListener('heartbeat', () => { this.lastMessageAt = Date.now(); });
    const parse = (event) => {
      this.lastMessageAt = Date.now();
      try {
        return JSON.parse(event.data);
      } catch {
        return null;
      }
    };
    source.addEventListener('snapshot', (event) => {
      const body = parse(event);
      if (!body) return;
      this.failures = 0;
      this.stopPolling();
      this.setMode('live');
      this.handlers.snapshot(body);
      this.checkDone(body);
    });
    source.addEventListener('status', (event) => {
      const body = parse(event);
      if (!body) return;
      this.handlers.status(body);
      this.checkDone(body);
    });
    source.addEventListener('variant', (event) => {
      const body = parse(event);
      if (body) this.handlers.variant(body);
    });
    source.addEventListener('renew', () => this.connect()); // the server ends long streams: a planned reconnect
    source.addEventListener('gone', (event) => {
      this.stop();
      this.setMode('done');
      const problem = parse(event) || {};
      this.handlers.fatal(new ApiError(404, describeProblem(404, problem), problem));
    });
    source.onerror = () => this.onStreamError(source);
  }

  onStreamError(source) {
    if (this.stopped || source !== this.source) return;
    if (source.readyState === EventSource.CLOSED) {
      // The browser gave up on this stream (refused — e.g. its ticket expired —, wrong answer): our own back-off,
      // then try again with a fresh ticket.
      this.source = null;
      this.retryLater();
      return;
    }
    // Otherwise the browser reconnects by itself after the server's `retry:`; meanwhile poll.
    this.failures += 1;
    this.setMode('reconnecting');
    this.startPolling();
  }

  /** No stream now: poll meanwhile, and connect again (with a new ticket) after a growing pause. */
  retryLater() {
    if (this.stopped) return;
    this.failures += 1;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.min(this.failures, 4));
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.setMode('reconnecting');
    this.startPolling();
  }

  /** The browser knows the network is gone: say so, stop trying until it is back. */
  wentOffline() {
    if (this.stopped) return;
    this.closeSource();
    this.stopPolling();
    clearTimeout(this.reconnectTimer);
    this.setMode('offline');
  }

  cameOnline() {
    if (this.stopped) return;
    this.failures = 0;
    this.setMode('reconnecting');
    this.connect();
  }

  checkSilence() {
    if (this.stopped || !this.source || this.source.readyState !== EventSource.OPEN) return;
    if (Date.now() - this.lastMessageAt > SILENCE_LIMIT_MS) {
      this.setMode('reconnecting');
      this.connect();
    }
  }

  startPolling() {
    if (this.pollTimer || this.stopped) return;
    const tick = async () => {
      if (this.stopped) return;
      try {
        const body = await api(`/api/calendars/generate/${this.jobId}/status`, { cache: 'no-store' });
        if (this.stopped || !this.pollTimer) return;
        if (this.mode !== 'live') this.setMode('polling');
        this.handlers.snapshot(body);
        if (this.checkDone(body)) return;
      } catch (err) {
        if (this.stopped) return;
        if (err.status === 404 || err.status === 401) {
          this.stop();
          this.handlers.fatal(err);
          return;
        }
        this.setMode('offline');
      }
      if (this.pollTimer) this.pollTimer = setTimeout(tick, POLL_MS);
    };
    this.pollTimer = setTimeout(tick, 0);
  }

  stopPolling() {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  checkDone(body) {
    if (!isTerminal(body.status)) return false;
    this.stop();
    this.setMode('done');
    return true;
  }

  /** Fresh status (new signed image URLs) on demand, e.g. after an image link expired. */
  async refresh() {
    const body = await api(`/api/calendars/generate/${this.jobId}/status`, { cache: 'no-store' });
    if (!this.stopped) this.handlers.snapshot(body);
    return body;
  }
}
