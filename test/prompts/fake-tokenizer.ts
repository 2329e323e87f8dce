import type { TextTokenizer } from '../../src/engine/api';

/**
 * One token per character (id = code point), so token counts equal character counts and every truncation
 * can be predicted exactly. `bos` makes it behave like a tokenizer configured to add a BOS token.
 */
export class CharTokenizer implements TextTokenizer {
  readonly vocabSize = 0x110000;
  readonly eosTokenId = 0;
  readonly bosTokenId: number | undefined;
  readonly prefixIds: readonly number[];

  constructor(bos?: number) {
    this.prefixIds = bos !== undefined ? [bos] : [];
    this.bosTokenId = bos;
  }

  encode(text: string): number[] {
    return [...text].map((c) => c.codePointAt(0) as number);
  }

  decode(ids: number[]): string {
    return ids.filter((id) => id !== this.bosTokenId).map((id) => String.fromCodePoint(id)).join('');
  }

  pieces(ids: number[]): string[] {
    return ids.map((id) => (id === this.bosTokenId ? '<bos>' : String.fromCodePoint(id)));
  }
}

/** Whitespace-word tokenizer: a word with its leading spaces is one token, like GPT-2's " word" pieces. */
export class WordTokenizer implements TextTokenizer {
  readonly vocab: string[] = [];
  readonly eosTokenId = undefined;
  readonly bosTokenId = undefined;
  readonly prefixIds = [];

  get vocabSize(): number {
    return this.vocab.length;
  }

  encode(text: string): number[] {
    return (text.match(/\s*\S+|\s+$/g) ?? []).map((piece) => {
      let id = this.vocab.indexOf(piece);
      if (id < 0) id = this.vocab.push(piece) - 1;
      return id;
    });
  }

  decode(ids: number[]): string {
    return ids.map((id) => this.vocab[id]).join('');
  }

  pieces(ids: number[]): string[] {
    return ids.map((id) => this.vocab[id]);
  }
}
