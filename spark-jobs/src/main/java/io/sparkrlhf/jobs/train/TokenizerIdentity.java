package io.sparkrlhf.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sparkrlhf.model.tokenizer.TokenizerFingerprint;
import java.io.IOException;
import java.io.Serializable;

/**
 * Which tokenizer a prepared dataset or a model speaks: its name (or path), vocabulary size and
 * {@link TokenizerFingerprint fingerprint}. Checkpoints record it in {@link #FILE}, so that a model
 * trained from data prepared with the built-in GPT-2 BPE (which has no tokenizer.json) can be
 * checked too.
 *
 * @param fingerprint null for data prepared before fingerprints were recorded
 */
public record TokenizerIdentity(String name, int vocabSize, String fingerprint) implements Serializable {
  /** Beside a checkpoint's weights: the identity of the tokenizer its data was prepared with. */
  public static final String FILE = "rlhf_tokenizer.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** From a prepared manifest's {@code tokenizer} section (or a checkpoint's {@link #FILE}). */
  public static TokenizerIdentity of(JsonNode section) {
    String fingerprint = section.path("fingerprint").asText("");
    return new TokenizerIdentity(section.path("name").asText("an unnamed tokenizer"), section.path("vocab_size").asInt(0),
        fingerprint.isEmpty() ? null : fingerprint);
  }

  /** A checkpoint's {@link #FILE}; {@code source} names it in errors. */
  public static TokenizerIdentity read(byte[] json, String source) {
    try {
      return of(JSON.readTree(json));
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("name", name);
    n.put("vocab_size", vocabSize);
    n.put("fingerprint", fingerprint);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean fingerprinted() {
    return fingerprint != null;
  }

  /** Whether both have fingerprints and they differ: the same ids would mean other tokens. */
  public boolean differsFrom(TokenizerIdentity other) {
    return fingerprinted() && other.fingerprinted() && !fingerprint.equals(other.fingerprint);
  }

  /** For messages: {@code name (N tokens, fingerprint 1a2b3c4d5e6f)}. */
  public String describe() {
    return name + " (" + vocabSize + " tokens, fingerprint " + TokenizerFingerprint.shortForm(fingerprint) + ")";
  }
}
