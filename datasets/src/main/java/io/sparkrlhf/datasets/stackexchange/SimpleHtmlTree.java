package io.sparkrlhf.datasets.stackexchange;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.TextNode;

/**
 * Builds the tree of a post body written the way StackExchange writes them — properly nested
 * paragraphs, code, lists, links, quotes and emphasis, lower-case tags, quoted attributes, the basic
 * entities — directly as jsoup nodes, without running HTML5's tree construction (which costs more
 * than the rest of parsing a row). Wherever HTML5 would build something other than the literal
 * nesting — an implied end tag, a block inside a paragraph, a nested link, a newline right after
 * {@code <pre>}, a carriage return, any other tag, entity or comment — it gives up with null and
 * jsoup's parser builds the tree.
 */
final class SimpleHtmlTree {
  private SimpleHtmlTree() {}

  private static final Set<String> VOID = Set.of("br", "hr", "img");

  /** Tags that close an open {@code <p>} when they start (HTML5 "close a p element"). */
  private static final Set<String> CLOSES_P =
      Set.of("p", "div", "pre", "blockquote", "ul", "ol", "li", "hr", "h1", "h2", "h3", "h4", "h5", "h6");

  private static final Set<String> HEADINGS = Set.of("h1", "h2", "h3", "h4", "h5", "h6");

  private static final Set<String> INLINE = Set.of(
      "a", "code", "em", "strong", "b", "i", "kbd", "sup", "sub", "strike", "s", "del", "span", "br", "img");

  private static final int MAX_DEPTH = 64;

  /** A body element holding the fragment's nodes, or null when jsoup's parser must build them. */
  static Element parse(String html) {
    Element body = new Element("body");
    List<Element> open = new ArrayList<>();
    open.add(body);
    StringBuilder text = new StringBuilder();
    int n = html.length();
    int i = 0;
    while (i < n) {
      char c = html.charAt(i);
      if (c == '<') {
        flush(text, open);
        i = i + 1 < n && html.charAt(i + 1) == '/' ? endTag(html, i + 2, open) : startTag(html, i + 1, open);
        if (i < 0) {
          return null;
        }
      } else if (c == '&') {
        int semi = html.indexOf(';', i + 1);
        int codePoint = semi < 0 || semi - i > 10 ? -1 : entity(html, i + 1, semi);
        if (codePoint < 0) {
          return null;
        }
        text.appendCodePoint(codePoint);
        i = semi + 1;
      } else if (c == '\r' || c == 0 || c == '\uFFFF') {
        return null; // HTML rewrites CR and NUL; jsoup's reader takes U+FFFF for the end of input
      } else {
        text.append(c);
        i++;
      }
    }
    flush(text, open);
    return open.size() == 1 ? body : null;
  }

  private static void flush(StringBuilder text, List<Element> open) {
    if (!text.isEmpty()) {
      open.get(open.size() - 1).appendChild(new TextNode(text.toString()));
      text.setLength(0);
    }
  }

  /** Reads {@code </name>} from {@code at} (after "</"); it must close the current element. Returns the index after it, or -1. */
  private static int endTag(String html, int at, List<Element> open) {
    int close = html.indexOf('>', at);
    if (close < 0 || open.size() == 1) {
      return -1;
    }
    Element current = open.get(open.size() - 1);
    String name = current.normalName();
    if (close - at != name.length() || !html.startsWith(name, at)) {
      return -1;
    }
    open.remove(open.size() - 1);
    return close + 1;
  }

  /** Reads a start tag from {@code at} (after "<"). Returns the index after it, or -1. */
  private static int startTag(String html, int at, List<Element> open) {
    int n = html.length();
    int i = at;
    while (i < n && isNameChar(html.charAt(i))) {
      i++;
    }
    String name = html.substring(at, i);
    if (name.isEmpty() || !(isWhitelisted(name)) || !fitsLiterally(name, open)) {
      return -1;
    }
    Element element = new Element(name);
    while (true) {
      int spaceStart = i;
      while (i < n && html.charAt(i) == ' ') {
        i++;
      }
      if (i >= n) {
        return -1;
      }
      char c = html.charAt(i);
      if (c == '>' || (c == '/' && i + 1 < n && html.charAt(i + 1) == '>')) {
        if (c == '/' && !VOID.contains(name)) {
          return -1; // a self-closing flag HTML ignores on this element
        }
        i += c == '>' ? 1 : 2;
        break;
      }
      if (i == spaceStart) {
        return -1;
      }
      int nameStart = i;
      while (i < n && isNameChar(html.charAt(i))) {
        i++;
      }
      if (i == nameStart || i + 1 >= n || html.charAt(i) != '=' || html.charAt(i + 1) != '"') {
        return -1; // no value, an unquoted or single-quoted one: jsoup decides
      }
      String attribute = html.substring(nameStart, i);
      int valueEnd = html.indexOf('"', i + 2);
      if (valueEnd < 0 || element.hasAttr(attribute)) {
        return -1;
      }
      String value = attributeValue(html, i + 2, valueEnd);
      if (value == null) {
        return -1;
      }
      element.attr(attribute, value);
      i = valueEnd + 1;
    }
    if (name.equals("pre") && i < n && html.charAt(i) == '\n') {
      return -1; // HTML drops a newline right after <pre>
    }
    open.get(open.size() - 1).appendChild(element);
    if (!VOID.contains(name)) {
      if (open.size() == MAX_DEPTH) {
        return -1;
      }
      open.add(element);
    }
    return i;
  }

  private static boolean isWhitelisted(String name) {
    return INLINE.contains(name) || CLOSES_P.contains(name);
  }

  /** Whether HTML5 inserts this start tag as a child of the current element, changing nothing else. */
  private static boolean fitsLiterally(String name, List<Element> open) {
    String current = open.get(open.size() - 1).normalName();
    if (name.equals("li") != (current.equals("ul") || current.equals("ol"))) {
      return false; // an <li> outside a list, or anything but <li> directly inside one
    }
    for (Element e : open) {
      String o = e.normalName();
      if ((o.equals("p") && CLOSES_P.contains(name)) || (HEADINGS.contains(o) && HEADINGS.contains(name))
          || (o.equals(name) && INLINE.contains(name))) {
        return false; // an implied </p>, </hN>, or a formatting element reopened (adoption agency)
      }
    }
    return true;
  }

  private static String attributeValue(String html, int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      char c = html.charAt(i);
      if (c == '&') {
        int semi = html.indexOf(';', i + 1);
        int codePoint = semi < 0 || semi >= to || semi - i > 10 ? -1 : entity(html, i + 1, semi);
        if (codePoint < 0) {
          return null;
        }
        out.appendCodePoint(codePoint);
        i = semi;
      } else if (c == '\r' || c == 0 || c == '<' || c == '\uFFFF') {
        return null;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** What an entity between {@code &} and {@code ;} stands for, or -1 for any jsoup must decode. */
  private static int entity(String html, int from, int to) {
    switch (html.substring(from, to)) {
      case "lt":
        return '<';
      case "gt":
        return '>';
      case "amp":
        return '&';
      case "quot":
        return '"';
      case "apos":
        return '\'';
      case "nbsp":
        return '\u00A0';
      default:
        break;
    }
    if (to - from < 2 || html.charAt(from) != '#') {
      return -1;
    }
    boolean hex = html.charAt(from + 1) == 'x';
    int start = from + (hex ? 2 : 1);
    if (to - start < 1 || to - start > 6) {
      return -1;
    }
    int codePoint = 0;
    for (int i = start; i < to; i++) {
      char c = html.charAt(i);
      int d = c > 'f' ? -1 : Character.digit(c, hex ? 16 : 10);
      if (d < 0) {
        return -1;
      }
      codePoint = codePoint * (hex ? 16 : 10) + d;
    }
    // Only what HTML passes through unchanged: no C0/C1 controls (mapped or refused), no surrogates or noncharacters.
    boolean plain = codePoint == '\t' || codePoint == '\n' || (codePoint >= 0x20 && codePoint < 0x7F)
        || (codePoint >= 0xA0 && codePoint < 0xD800) || (codePoint >= 0xE000 && codePoint < 0xFDD0)
        || (codePoint >= 0xFDF0 && codePoint <= 0x10FFFF && (codePoint & 0xFFFE) != 0xFFFE);
    return plain ? codePoint : -1;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  }
}
