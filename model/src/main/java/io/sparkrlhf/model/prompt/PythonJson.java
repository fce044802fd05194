package io.sparkrlhf.model.prompt;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(x, ensure_ascii=False)} writes it (", " between
 * items and ": " after keys, or newlines and {@code indent} spaces with "," and ": " when an indent
 * is given), because chat templates put tool schemas into prompts with it and the model was
 * trained on those bytes.
 */
final class PythonJson {
  private PythonJson() {}

  /** @param indent -1 for one line */
  static void write(Object v, int indent, int depth, StringBuilder out) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double || v instanceof Float) {
      out.append(Double.toString(((Number) v).doubleValue()));
    } else if (v instanceof Number n) {
      out.append(n);
    } else if (v instanceof Map<?, ?> map) {
      container(map.entrySet().iterator(), map.isEmpty(), '{', '}', indent, depth, out, true);
    } else if (v instanceof Collection<?> list) {
      container(list.iterator(), list.isEmpty(), '[', ']', indent, depth, out, false);
    } else if (v instanceof Object[] array) {
      container(java.util.Arrays.asList(array).iterator(), array.length == 0, '[', ']', indent, depth, out, false);
    } else {
      string(v.toString(), out);
    }
  }

  private static void container(Iterator<?> items, boolean empty, char open, char close, int indent, int depth,
      StringBuilder out, boolean map) {
    out.append(open);
    if (empty) {
      out.append(close);
      return;
    }
    boolean first = true;
    while (items.hasNext()) {
      Object item = items.next();
      if (!first) {
        out.append(indent < 0 ? ", " : ",");
      }
      first = false;
      if (indent >= 0) {
        out.append('\n').append(" ".repeat(indent * (depth + 1)));
      }
      if (map) {
        Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
        string(String.valueOf(e.getKey()), out);
        out.append(": ");
        write(e.getValue(), indent, depth + 1, out);
      } else {
        write(item, indent, depth + 1, out);
      }
    }
    if (indent >= 0) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
    out.append(close);
  }

  private static void string(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
