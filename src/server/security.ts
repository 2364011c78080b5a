/**
 * Who may talk to the server: reader tokens (`Authorization: Bearer`, or the HttpOnly cookie set by
 * `POST /api/session`), same-origin requests and sockets only, and the headers every response carries.
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

export const TOKEN_COOKIE = 'recist_token';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');

/** Cookie header → map (no dependency; values are URL-decoded when possible). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim(), v = part.slice(i + 1).trim();
    try { out.set(k, decodeURIComponent(v)); } catch { out.set(k, v); }
  }
  return out;
}

/** True when the request has no Origin (same-origin navigation, curl, node clients) or its Origin's host is ours. */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The reader token of a request: the bearer token, else the cookie. */
export function tokenFrom(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  return parseCookies(req.headers.cookie).get(TOKEN_COOKIE);
}

/** Strict CSP and friends on every response; cross-origin requests are refused with 403. */
export function securityHeaders(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (!sameOrigin(req)) {
    res.status(403).json({ error: 'cross-origin requests are not allowed' });
    return;
  }
  next();
}
