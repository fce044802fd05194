package io.sparkrlhf.datasets.stackexchange;

import java.util.ArrayList;
import java.util.List;

/** Question tags in both dump styles: {@code <a><b>} (older dumps) and {@code |a|b|} (newer). */
public final class Tags {
  private Tags() {}

  public static List<String> parse(String raw) {
    String s = raw.strip();
    List<String> tags = new ArrayList<>();
    if (s.startsWith("<")) {
      int at = 0;
      while ((at = s.indexOf('<', at)) >= 0) {
        int end = s.indexOf('>', at);
        if (end < 0) {
          break;
        }
        addTag(tags, s.substring(at + 1, end));
        at = end + 1;
      }
    } else {
      for (String part : s.split("\\|")) {
        addTag(tags, part);
      }
    }
    return List.copyOf(tags);
  }

  private static void addTag(List<String> tags, String tag) {
    String t = tag.strip();
    if (!t.isEmpty()) {
      tags.add(t);
    }
  }
}
