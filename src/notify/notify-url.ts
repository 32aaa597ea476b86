/**
 * What is wrong with `value` as a webhook URL, said as what was expected ("an http(s) URL"), or
 * undefined when it is an http(s) URL with a host and no user or password. Credentials in the URL
 * are refused: they would sit in Redis with the book and in every job that posts it.
 */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'an http(s) URL';
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return 'an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'a URL without user:password@ (it would be stored in Redis with the book; NARRATE_WEBHOOK_SECRET signs the posts instead)';
  return undefined;
}

/** Whether `value` is an http(s) URL a webhook can be posted to (no user or password in it). */
export function isWebhookUrl(value: string): boolean {
  return webhookUrlProblem(value) === undefined;
}

/**
 * The URL without its query, fragment, user or password: what a log line or an error may say
 * about a webhook. A value that does not parse loses the same parts by pattern.
 */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return value.replace(/[?#].*$/s, '').replace(/^([^/]*\/\/)[^/]*@/, '$1');
  }
}
