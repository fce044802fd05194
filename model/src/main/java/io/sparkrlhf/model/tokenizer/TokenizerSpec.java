package io.sparkrlhf.model.tokenizer;

import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What tokenizer to use, small enough to ship to executors inside a Spark closure: either the
 * built-in GPT-2 BPE, or the bytes of a {@code tokenizer.json} that the driver read (from local
 * disk, HDFS or s3a) so executors need no access to where it came from.
 *
 * <p>{@link #load()} builds the tokenizer once per JVM and spec.
 */
public final class TokenizerSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ConcurrentHashMap<String, TextTokenizer> LOADED = new ConcurrentHashMap<>();

  private final String kind;
  private final byte[] tokenizerJson;
  private final String eosToken;
  private final String bosToken;
  private final String source;
  private final String digest;
  private transient volatile String fingerprint;

  private TokenizerSpec(String kind, byte[] tokenizerJson, String eosToken, String bosToken, String source) {
    this.kind = kind;
    this.tokenizerJson = tokenizerJson;
    this.eosToken = eosToken;
    this.bosToken = bosToken;
    this.source = source;
    this.digest = tokenizerJson == null ? kind : kind + ":" + sha256(tokenizerJson) + ":" + eosToken + ":" + bosToken;
  }

  public static TokenizerSpec gpt2() {
    return new TokenizerSpec("gpt2", null, null, null, "built-in");
  }

  public static TokenizerSpec huggingFaceJson(byte[] tokenizerJson, String eosToken, String source) {
    return huggingFaceJson(tokenizerJson, eosToken, null, source);
  }

  /** @param bosToken put before every sequence, or null (LLaMA: "&lt;s&gt;" when add_bos_token is true) */
  public static TokenizerSpec huggingFaceJson(byte[] tokenizerJson, String eosToken, String bosToken, String source) {
    Objects.requireNonNull(tokenizerJson, "tokenizerJson");
    if (eosToken == null || eosToken.isEmpty()) {
      throw new IllegalArgumentException(
          "no EOS token known for " + source
              + ": give one in tokenizer_config.json (eos_token) or in the configuration");
    }
    return new TokenizerSpec("hf", tokenizerJson.clone(), eosToken, bosToken, source);
  }

  public TextTokenizer load() {
    return LOADED.computeIfAbsent(digest, d -> build());
  }

  private TextTokenizer build() {
    return switch (kind) {
      case "gpt2" -> Gpt2Tokenizer.instance();
      case "hf" -> new HfJsonTokenizer(tokenizerJson, eosToken, bosToken, source);
      default -> throw new IllegalStateException("unknown tokenizer kind " + kind);
    };
  }

  /** Identifies the exact vocabulary: kind plus the SHA-256 of tokenizer.json. */
  public String digest() {
    return digest;
  }

  /**
   * What gives the ids their meaning ({@link TokenizerFingerprint}): equal for two specs whose
   * tokenizers map every id to the same token, whatever their files look like.
   */
  public String fingerprint() {
    String known = fingerprint;
    if (known == null) {
      known = tokenizerJson == null ? TokenizerFingerprint.ofGpt2() : TokenizerFingerprint.ofTokenizerJson(tokenizerJson, source);
      fingerprint = known;
    }
    return known;
  }

  /** The bytes of the tokenizer.json this spec was read from; empty for the built-in GPT-2 BPE. */
  public Optional<byte[]> tokenizerJson() {
    return Optional.ofNullable(tokenizerJson).map(byte[]::clone);
  }

  public String source() {
    return source;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
