import { InputError } from '../errors.js';

/** A voice name the offline voice cannot read a book with; the message lists the voices that can. */
export class UnknownVoiceError extends InputError {
  /** The name as given. */
  readonly voice: string;

  constructor(voice: string, message: string) {
    super(message);
    this.voice = voice;
  }
}
