package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a tokenizer.json in the layout of LLaMA-2's as published (a SentencePiece model converted
 * to BPE): {@code <unk> <s> </s>} at 0..2, the 256 byte-fallback tokens {@code <0x00>..<0xFF>} at
 * 3..258, the Prepend("▁") + Replace(" " → "▁") normalizer, no pre-tokenizer, byte_fallback and
 * fuse_unk, and the Replace/ByteFallback/Fuse/Strip decoder. The merges are few and include entries
 * made only of "▁" and, written in the old string form, entries whose tokens are literal spaces
 * (so the string holds three and five spaces), which the Rust library refuses to read.
 */
public final class Llama2TokenizerJson {
  /** Rank order; results get ids from 259 in this order (a made token is listed once). */
  public static final List<List<String>> MERGES = List.of(
      List.of("▁", "t"), List.of("e", "r"), List.of("i", "n"), List.of("▁", "▁"), List.of("l", "l"),
      List.of(" ", " "), List.of("H", "e"), List.of("He", "ll"), List.of("Hell", "o"), List.of("▁", "Hello"),
      List.of("▁▁", "▁▁"), List.of("o", "r"), List.of("▁", "w"), List.of("▁w", "or"), List.of("l", "d"),
      List.of("▁wor", "ld"), List.of("  ", "  "), List.of("▁t", "h"), List.of("▁th", "e"));
  /** Single characters after the merged tokens, as SentencePiece conversions place them. */
  static final String CHARS = "▁ethinlorHwd ";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Llama2TokenizerJson() {}

  public static Map<String, Integer> vocab() {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    vocab.put("<unk>", 0);
    vocab.put("<s>", 1);
    vocab.put("</s>", 2);
    for (int b = 0; b < 256; b++) {
      vocab.put(String.format("<0x%02X>", b), vocab.size());
    }
    for (List<String> m : MERGES) {
      vocab.putIfAbsent(m.get(0) + m.get(1), vocab.size());
    }
    CHARS.codePoints().forEach(c -> vocab.putIfAbsent(new String(Character.toChars(c)), vocab.size()));
    return vocab;
  }

  /** Merges as "left right" strings, as LLaMA-2's file (tokenizers before 0.20) writes them. */
  public static byte[] stringMerges() {
    ObjectNode root = document();
    ArrayNode merges = ((ObjectNode) root.get("model")).putArray("merges");
    MERGES.forEach(m -> merges.add(m.get(0) + " " + m.get(1)));
    return bytes(root);
  }

  /** The same model with merges as [left, right] pairs, as tokenizers 0.20+ writes them. */
  public static byte[] pairMerges() {
    ObjectNode root = document();
    ArrayNode merges = ((ObjectNode) root.get("model")).putArray("merges");
    MERGES.forEach(m -> merges.addArray().add(m.get(0)).add(m.get(1)));
    return bytes(root);
  }

  private static ObjectNode document() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    List<String> special = List.of("<unk>", "<s>", "</s>");
    for (String t : special) {
      added.addObject().put("id", special.indexOf(t)).put("content", t).put("single_word", false).put("lstrip", false)
          .put("rstrip", false).put("normalized", false).put("special", true);
    }
    ObjectNode normalizer = root.putObject("normalizer");
    normalizer.put("type", "Sequence");
    ArrayNode norms = normalizer.putArray("normalizers");
    norms.addObject().put("type", "Prepend").put("prepend", "▁");
    ObjectNode replace = norms.addObject().put("type", "Replace");
    replace.putObject("pattern").put("String", " ");
    replace.put("content", "▁");
    root.putNull("pre_tokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    post.putArray("single").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    ((ArrayNode) post.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    post.putArray("pair").addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    ((ArrayNode) post.get("pair")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ObjectNode bos = post.putObject("special_tokens").putObject("<s>");
    bos.put("id", "<s>");
    bos.putArray("ids").add(1);
    bos.putArray("tokens").add("<s>");
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "Sequence");
    ArrayNode decoders = decoder.putArray("decoders");
    ObjectNode back = decoders.addObject().put("type", "Replace");
    back.putObject("pattern").put("String", "▁");
    back.put("content", " ");
    decoders.addObject().put("type", "ByteFallback");
    decoders.addObject().put("type", "Fuse");
    decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.put("unk_token", "<unk>");
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    ObjectNode v = model.putObject("vocab");
    vocab().forEach(v::put);
    return root;
  }

  private static byte[] bytes(ObjectNode root) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
