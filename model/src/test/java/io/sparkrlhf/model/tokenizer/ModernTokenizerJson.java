package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tokenizer.json files in the layout of the real LLaMA-3 and Qwen2.5 ones: byte-level BPE
 * with the family's split regex in a Split pre-tokenizer followed by ByteLevel(use_regex false),
 * the full vocabulary size (128 000 and 151 643 model tokens, padded with filler entries), the
 * special added tokens at their real ids, LLaMA-3's ignore_merges and BOS-adding
 * TemplateProcessing, Qwen's NFC normalizer. Only the merges are few, so ids can be worked out by
 * hand: the 256 byte symbols take ids 0..255 in GPT-2's byte-to-unicode order (as in both real
 * vocabularies: "!" = 0, "Ġ" (space) = 220, "Ċ" (newline) = 198), then the merges' results in order.
 */
public final class ModernTokenizerJson {
  static final String LLAMA3_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  /** Merges both files share; results get ids 256, 257, ... in this order. */
  static final List<String> MERGES = List.of("H e", "l l", "He ll", "Hell o", "Ġ w", "o r", "Ġw or", "l d", "Ġwor ld",
      "1 2", "Ã ©");
  /** In the vocabulary with no merge that builds it: LLaMA-3's ignore_merges finds it whole, Qwen does not. */
  static final String WHOLE_WORD_ONLY = "Ġthere";

  static final Map<String, Integer> LLAMA3_SPECIAL = new LinkedHashMap<>();
  static final Map<String, Integer> QWEN2_SPECIAL = new LinkedHashMap<>();

  static {
    String[] llama = {"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
        "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
        "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>"};
    for (int i = 0; i < 256; i++) {
      LLAMA3_SPECIAL.put(i < llama.length ? llama[i] : "<|reserved_special_token_" + (i - 8) + "|>", 128000 + i);
    }
    String[] qwen = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
        "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
        "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"};
    for (int i = 0; i < qwen.length; i++) {
      QWEN2_SPECIAL.put(qwen[i], 151643 + i);
    }
  }

  private ModernTokenizerJson() {}

  /** Byte symbols, merges' results, the whole-word entry, then fillers up to {@code modelTokens}. */
  static Map<String, Integer> vocab(int modelTokens) {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int b : byteOrder()) {
      vocab.put(String.valueOf(TinyTokenizerJson.byteSymbol(b)), vocab.size());
    }
    for (String m : MERGES) {
      vocab.putIfAbsent(m.replace(" ", ""), vocab.size());
    }
    vocab.put(WHOLE_WORD_ONLY, vocab.size());
    while (vocab.size() < modelTokens) {
      vocab.put("<filler_" + vocab.size() + ">", vocab.size());
    }
    return vocab;
  }

  /** GPT-2's bytes_to_unicode order: printable bytes first (33..126, 161..172, 174..255), then the rest. */
  static int[] byteOrder() {
    int[] order = new int[256];
    int n = 0;
    for (int b = 0; b < 256; b++) {
      if (printable(b)) {
        order[n++] = b;
      }
    }
    for (int b = 0; b < 256; b++) {
      if (!printable(b)) {
        order[n++] = b;
      }
    }
    return order;
  }

  private static boolean printable(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  }

  public static byte[] llama3() {
    ObjectNode root = header(LLAMA3_SPECIAL);
    root.putNull("normalizer");
    root.set("pre_tokenizer", preTokenizer(LLAMA3_SPLIT, true));
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "Sequence");
    ArrayNode processors = post.putArray("processors");
    processors.add(byteLevel(true, false, true));
    ObjectNode template = processors.addObject();
    template.put("type", "TemplateProcessing");
    ArrayNode single = template.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    ArrayNode pair = template.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 1);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    ObjectNode bos = template.putObject("special_tokens").putObject("<|begin_of_text|>");
    bos.put("id", "<|begin_of_text|>");
    bos.putArray("ids").add(128000);
    bos.putArray("tokens").add("<|begin_of_text|>");
    root.set("decoder", byteLevel(true, true, true));
    root.set("model", model(vocab(128000), true));
    return bytes(root);
  }

  public static byte[] qwen2() {
    ObjectNode root = header(QWEN2_SPECIAL);
    root.putObject("normalizer").put("type", "NFC");
    root.set("pre_tokenizer", preTokenizer(QWEN2_SPLIT, false));
    root.set("post_processor", byteLevel(false, false, false));
    root.set("decoder", byteLevel(false, false, false));
    ObjectNode model = model(vocab(151643), false);
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    root.set("model", model);
    return bytes(root);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode header(Map<String, Integer> special) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    special.forEach((content, id) -> added.addObject().put("id", id).put("content", content).put("single_word", false)
        .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true));
    return root;
  }

  private static ObjectNode preTokenizer(String regex, boolean trimOffsets) {
    ObjectNode pre = JSON.createObjectNode();
    pre.put("type", "Sequence");
    ArrayNode list = pre.putArray("pretokenizers");
    ObjectNode split = list.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", regex);
    split.put("behavior", "Isolated");
    split.put("invert", false);
    list.add(byteLevel(false, trimOffsets, false));
    return pre;
  }

  private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {
    ObjectNode n = JSON.createObjectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", addPrefixSpace);
    n.put("trim_offsets", trimOffsets);
    n.put("use_regex", useRegex);
    return n;
  }

  private static ObjectNode model(Map<String, Integer> vocab, boolean ignoreMerges) {
    ObjectNode m = JSON.createObjectNode();
    m.put("type", "BPE");
    m.putNull("dropout");
    m.putNull("unk_token");
    m.putNull("continuing_subword_prefix");
    m.putNull("end_of_word_suffix");
    m.put("fuse_unk", false);
    m.put("byte_fallback", false);
    m.put("ignore_merges", ignoreMerges);
    ObjectNode v = m.putObject("vocab");
    vocab.forEach(v::put);
    ArrayNode merges = m.putArray("merges");
    MERGES.forEach(merges::add);
    return m;
  }

  private static byte[] bytes(ObjectNode root) {
    try {
      return JSON.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
