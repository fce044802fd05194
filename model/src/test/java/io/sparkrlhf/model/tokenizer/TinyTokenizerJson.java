package io.sparkrlhf.model.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a small but real byte-level BPE {@code tokenizer.json} (GPT-2's byte-to-unicode alphabet,
 * a handful of merges, an EOS added token), so tests exercise the HF loader on a file they made.
 */
public final class TinyTokenizerJson {
  public static final String EOS = "</s>";
  public static final List<String> MERGES = List.of("h e", "l l", "he ll", "hell o", "Ġ w");

  private TinyTokenizerJson() {}

  /** The vocabulary: 256 byte symbols (ids 0..255), then merge results, then EOS. */
  public static Map<String, Integer> vocab() {
    Map<String, Integer> vocab = new LinkedHashMap<>();
    for (int b = 0; b < 256; b++) {
      vocab.put(String.valueOf(byteSymbol(b)), vocab.size());
    }
    for (String merge : MERGES) {
      vocab.putIfAbsent(merge.replace(" ", ""), vocab.size());
    }
    vocab.put(EOS, vocab.size());
    return vocab;
  }

  public static byte[] json() {
    Map<String, Integer> vocab = vocab();
    StringBuilder v = new StringBuilder();
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      if (e.getKey().equals(EOS)) {
        continue;
      }
      if (v.length() > 0) {
        v.append(',');
      }
      v.append(quote(e.getKey())).append(':').append(e.getValue());
    }
    StringBuilder merges = new StringBuilder();
    for (String m : MERGES) {
      if (merges.length() > 0) {
        merges.append(',');
      }
      merges.append(quote(m));
    }
    String json =
        "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
            + "\"added_tokens\":[{\"id\":" + vocab.get(EOS) + ",\"content\":\"" + EOS + "\","
            + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":false,\"special\":true}],"
            + "\"normalizer\":null,"
            + "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
            + "\"post_processor\":null,"
            + "\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
            + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
            + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,"
            + "\"vocab\":{" + v + "},\"merges\":[" + merges + "]}}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** GPT-2's reversible byte to printable-character map. */
  static char byteSymbol(int b) {
    if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
      return (char) b;
    }
    int n = 0;
    for (int x = 0; x < b; x++) {
      if (!((x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF))) {
        n++;
      }
    }
    return (char) (256 + n);
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
