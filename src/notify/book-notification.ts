import type { BookState } from '../queue/book-record.js';

/** The JSON body posted to a book's webhook when it ends (done, failed, cancelled or over budget). */
export interface BookNotification {
  bookId: string;
  title: string;
  state: BookState;
  /** The finished book's path (null unless done). */
  output: string | null;
  /** Its manifest's path (null unless done). */
  manifest: string | null;
  /** Length of the finished book's audio in ms (null unless done). */
  durationMs: number | null;
  /** Dollars spent on the book's model calls, every run included. */
  costUsd: number;
  /** Why it failed, was cancelled or went over budget (null when done). */
  reason: string | null;
}

/** Data of a `notify` job: where to post and what. Never the signing secret, which stays in the workers' environment. */
export interface NotifyJobData {
  url: string;
  notification: BookNotification;
}
