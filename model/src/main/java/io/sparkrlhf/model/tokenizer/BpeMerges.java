package io.sparkrlhf.model.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The merges of a BPE {@code tokenizer.json} as (left, right) pairs, in rank order. Files carry them
 * in two forms: pairs ({@code [["▁", "t"], ...]}, what {@code tokenizers} 0.20+ writes) and the
 * older strings ({@code ["▁ t", ...]}) split at a space. A string merge whose tokens themselves hold
 * spaces ({@code "   "} for {@code " " + " "}, found in SentencePiece conversions such as LLaMA-2's)
 * has several spaces; the Rust library then refuses the whole file ("Merges text file invalid").
 * Such a merge is split at the one space where both halves and their concatenation are in the
 * vocabulary, which is the only reading under which the file is a valid BPE model.
 */
public final class BpeMerges {
  private BpeMerges() {}

  /** One merge: {@code left + right} is the token it makes. */
  public record Pair(String left, String right) {
    public String made() {
      return left + right;
    }
  }

  /** The merges of {@code merges} (either form) resolved against the model's {@code vocab}. */
  public static List<Pair> read(JsonNode merges, Map<String, Integer> vocab, String source) {
    List<Pair> out = new ArrayList<>(merges.size());
    int rank = 0;
    for (JsonNode m : merges) {
      rank++;
      if (m.isArray()) {
        if (m.size() != 2 || !m.get(0).isTextual() || !m.get(1).isTextual()) {
          throw new IllegalArgumentException(source + ": merge #" + rank + " " + m + " is not a pair of tokens");
        }
        out.add(new Pair(m.get(0).asText(), m.get(1).asText()));
      } else if (m.isTextual()) {
        out.add(split(m.asText(), vocab, source, rank));
      } else {
        throw new IllegalArgumentException(source + ": merge #" + rank + " " + m + " is neither \"a b\" nor [\"a\", \"b\"]");
      }
    }
    return out;
  }

  /** True when a string merge has other than exactly one space, which the Rust library cannot read. */
  public static boolean hasAmbiguousStrings(JsonNode merges) {
    for (JsonNode m : merges) {
      if (m.isTextual() && spaces(m.asText()) != 1) {
        return true;
      }
    }
    return false;
  }

  static Pair split(String merge, Map<String, Integer> vocab, String source, int rank) {
    if (spaces(merge) == 1) {
      int at = merge.indexOf(' ');
      return new Pair(merge.substring(0, at), merge.substring(at + 1));
    }
    List<Pair> readings = new ArrayList<>();
    for (int at = merge.indexOf(' '); at >= 0; at = merge.indexOf(' ', at + 1)) {
      Pair p = new Pair(merge.substring(0, at), merge.substring(at + 1));
      if (!p.left().isEmpty() && !p.right().isEmpty() && vocab.containsKey(p.left())
          && vocab.containsKey(p.right()) && vocab.containsKey(p.made())) {
        readings.add(p);
      }
    }
    if (readings.size() == 1) {
      return readings.get(0);
    }
    String shown = "'" + merge.replace(" ", "\u2423") + "' (\u2423 = space)";
    throw new IllegalArgumentException(source + ": merge #" + rank + " " + shown + (readings.isEmpty()
        ? " is not two vocabulary tokens that make a vocabulary token at any of its spaces"
        : " can be read " + readings.size() + " ways with this vocabulary; write it as a [\"left\", \"right\"] pair"));
  }

  private static int spaces(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == ' ') {
        n++;
      }
    }
    return n;
  }
}
