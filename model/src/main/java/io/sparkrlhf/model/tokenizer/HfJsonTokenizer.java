package io.sparkrlhf.model.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} (BPE, WordPiece, Unigram, WordLevel) run by the Rust
 * {@code tokenizers} library that DJL ships inside its jar. Special tokens are never added by
 * {@link #encode}: the caller appends EOS by id, as for every tokenizer here.
 */
public final class HfJsonTokenizer implements TextTokenizer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizer tokenizer;
  private final String name;
  private final int eosTokenId;
  private final java.util.OptionalInt bosTokenId;
  private final int vocabSize;

  /**
   * @param tokenizerJson the bytes of {@code tokenizer.json}
   * @param eosToken the EOS token's text (from {@code tokenizer_config.json} or configuration)
   * @param source where the bytes came from, for messages and manifests
   */
  public HfJsonTokenizer(byte[] tokenizerJson, String eosToken, String source) {
    this(tokenizerJson, eosToken, null, source);
  }

  /** @param bosToken the BOS token's text, or null when sequences get none */
  public HfJsonTokenizer(byte[] tokenizerJson, String eosToken, String bosToken, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(tokenizerJson);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.has("model")) {
      throw new IllegalArgumentException(source + " has no \"model\" section: not a tokenizer.json");
    }
    Map<String, Integer> vocab = TokenizerJsonVocab.read(root, source);
    Integer eos = vocab.get(eosToken);
    if (eos == null) {
      throw new IllegalArgumentException(
          "EOS token '" + eosToken + "' is not in the vocabulary of " + source);
    }
    this.eosTokenId = eos;
    Integer bos = bosToken == null ? null : vocab.get(bosToken);
    if (bosToken != null && bos == null) {
      throw new IllegalArgumentException("BOS token '" + bosToken + "' is not in the vocabulary of " + source);
    }
    this.bosTokenId = bos == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(bos);
    this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    try {
      this.tokenizer =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(withReadableMerges(root, tokenizerJson, source)),
              Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load " + source, e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          source + " was rejected by the tokenizers library: " + e.getMessage(), e);
    }
    this.name = "hf/" + source;
  }

  /**
   * The file as the Rust library can read it: string merges whose tokens hold spaces (SentencePiece
   * conversions such as LLaMA-2's) rewritten as [left, right] pairs, the form tokenizers 0.20+
   * writes itself; any other file unchanged, byte for byte.
   */
  static byte[] withReadableMerges(JsonNode root, byte[] tokenizerJson, String source) {
    JsonNode merges = root.path("model").path("merges");
    if (!merges.isArray() || !BpeMerges.hasAmbiguousStrings(merges)) {
      return tokenizerJson;
    }
    Map<String, Integer> modelVocab = new HashMap<>();
    root.path("model").path("vocab").fields().forEachRemaining(e -> modelVocab.put(e.getKey(), e.getValue().asInt()));
    ArrayNode pairs = JSON.createArrayNode();
    for (BpeMerges.Pair p : BpeMerges.read(merges, modelVocab, source)) {
      pairs.addArray().add(p.left()).add(p.right());
    }
    ObjectNode copy = root.deepCopy();
    ((ObjectNode) copy.get("model")).set("merges", pairs);
    try {
      return JSON.writeValueAsBytes(copy);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  @Override
  public String decode(int[] ids) {
    long[] wide = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      wide[i] = ids[i];
    }
    return tokenizer.decode(wide, false);
  }

  @Override
  public int eosTokenId() {
    return eosTokenId;
  }

  @Override
  public java.util.OptionalInt bosTokenId() {
    return bosTokenId;
  }

  @Override
  public int vocabSize() {
    return vocabSize;
  }

  /** The token-to-id map of a tokenizer.json's bytes: the model's vocabulary plus added tokens. */
  public static Map<String, Integer> vocabulary(byte[] tokenizerJson, String source) {
    try {
      return TokenizerJsonVocab.read(JSON.readTree(tokenizerJson), source);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /** Reads the token-to-id map of a tokenizer.json: the model's vocabulary plus added tokens. */
  static final class TokenizerJsonVocab {
    private TokenizerJsonVocab() {}

    static Map<String, Integer> read(JsonNode root, String source) {
      Map<String, Integer> vocab = new HashMap<>();
      JsonNode modelVocab = root.path("model").path("vocab");
      if (modelVocab.isObject()) { // BPE, WordPiece, WordLevel: {"token": id}
        for (Iterator<Map.Entry<String, JsonNode>> it = modelVocab.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          vocab.put(e.getKey(), e.getValue().asInt());
        }
      } else if (modelVocab.isArray()) { // Unigram: [["piece", score], ...], id = position
        for (int i = 0; i < modelVocab.size(); i++) {
          vocab.put(modelVocab.get(i).path(0).asText(), i);
        }
      } else {
        throw new IllegalArgumentException(source + ": model.vocab is missing or of unknown form");
      }
      for (JsonNode added : root.path("added_tokens")) {
        vocab.put(added.path("content").asText(), added.path("id").asInt());
      }
      return vocab;
    }
  }
}
