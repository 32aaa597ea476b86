/** What a cancel or retry did, in words an operator reads on the page. */
export interface ActionOutcome {
  /** 200 done, 404 no such book, 409 not possible in the book's state, 501 not available. */
  status: 200 | 404 | 409 | 501;
  message: string;
}

/** The operations the Books page's buttons trigger. The page never changes a book itself. */
export interface BookActions {
  /** No new model call for the book; its state becomes cancelled. */
  cancel(bookId: string): Promise<ActionOutcome>;
  /** A failed, cancelled or over-budget book continues where it stopped. */
  retry(bookId: string): Promise<ActionOutcome>;
}
