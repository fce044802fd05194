package io.sparkrlhf.model.tokenizer;

/**
 * Text to token ids and back. Implementations are thread-safe: one instance per JVM serves every
 * Spark task thread.
 *
 * <p>Special tokens are added by the caller by id. GPT-2's built-in BPE never interprets
 * special-token text found in the input; a {@code tokenizer.json} maps its added tokens found in
 * the text to their ids, as the tokenizers library (and transformers) do, which a chat-template
 * prompt relies on.
 */
public interface TextTokenizer {

  /** A short description for manifests and logs, e.g. {@code gpt2/r50k_base}. */
  String name();

  int[] encode(String text);

  String decode(int[] ids);

  /** The id appended after every document (GPT-2's {@code <|endoftext|>}, LLaMA's {@code </s>}). */
  int eosTokenId();

  int vocabSize();

  /**
   * The token to put before every sequence, when the tokenizer's config asks for one
   * ({@code add_bos_token}, as LLaMA's does); empty for GPT-2.
   */
  default java.util.OptionalInt bosTokenId() {
    return java.util.OptionalInt.empty();
  }
}
