/** Who may reach the control plane of a served emulator (Node only). */
import type { IncomingMessage } from 'node:http';

const CONTROL = /^\/_emulator(?:[/?#]|$)/;

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
function loopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** The path of a request target, also of an absolute-form one (`GET http://x/_emulator`). */
function targetPath(target: string): string {
  if (!/^https?:\/\//i.test(target)) return target;
  try {
    return new URL(target).pathname;
  } catch {
    return target;
  }
}

/** The host name of a Host header (`[::1]:8787` → `[::1]`), lower-case. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.split(':')[0] ?? '';
}

/**
 * Whether a request may reach `/_emulator`: every other path may. A control request must come
 * from a loopback address and name, in its Host header, a loopback host or the server's own
 * origin: a web page on another site that rebinds its name to 127.0.0.1 sends its own name as
 * Host, and is refused.
 */
export function controlAllowed(req: IncomingMessage, origin: string): boolean {
  if (!CONTROL.test(targetPath(req.url ?? '/'))) return true;
  if (!loopbackAddress(req.socket.remoteAddress)) return false;
  const host = hostName(req.headers.host ?? '');
  const own = new URL(origin).hostname.toLowerCase();
  return ['localhost', '127.0.0.1', '[::1]', own].includes(host) || /^127\./.test(host);
}
