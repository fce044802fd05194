package io.sparkrlhf.datasets.stackexchange;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;

/**
 * Turns a post's HTML body into the Markdown-like text a language model trains on: code blocks
 * become fenced code (language kept from {@code class="lang-x"}), inline code keeps its
 * backticks, lists keep their bullets and numbers, links keep their text, headings and quotes keep
 * their Markdown marks; all other markup is dropped. Bodies in StackExchange's usual markup are built
 * into a tree by {@link SimpleHtmlTree}, the rest by jsoup's HTML5 parser.
 */
public final class HtmlToText {
  private HtmlToText() {}

  public static String convert(String html) {
    Element simple = SimpleHtmlTree.parse(html);
    return render(simple != null ? simple : Jsoup.parseBodyFragment(html).body());
  }

  /** With jsoup's HTML5 parser for every body: the reference the quick tree must match. */
  static String convertWithJsoup(String html) {
    return render(Jsoup.parseBodyFragment(html).body());
  }

  private static String render(Element body) {
    Renderer r = new Renderer();
    r.children(body);
    return r.finish();
  }

  private static final class Renderer {
    private final StringBuilder out = new StringBuilder();
    private int listDepth;

    void children(Node parent) {
      for (Node child : parent.childNodes()) {
        node(child);
      }
    }

    void node(Node node) {
      if (node instanceof TextNode text) {
        inlineText(text.getWholeText());
      } else if (node instanceof Element e) {
        element(e);
      }
    }

    void element(Element e) {
      switch (e.normalName()) {
        case "p", "div", "section", "article", "table", "dl", "figure" -> {
          block();
          children(e);
          block();
        }
        case "br" -> {
          trimTrailingSpaces();
          out.append('\n');
        }
        case "hr" -> {
          block();
          out.append("---");
          block();
        }
        case "pre" -> codeBlock(e);
        case "code", "kbd", "samp", "tt" -> inlineCode(e.wholeText());
        case "ul", "ol" -> list(e);
        case "li" -> { // an <li> outside any list
          newline();
          out.append("- ");
          children(e);
        }
        case "h1", "h2", "h3", "h4", "h5", "h6" -> {
          block();
          out.append("#".repeat(e.normalName().charAt(1) - '0')).append(' ');
          children(e);
          block();
        }
        case "blockquote" -> blockquote(e);
        case "tr" -> {
          newline();
          children(e);
        }
        case "td", "th" -> {
          if (e.elementSiblingIndex() > 0) {
            out.append(" | ");
          }
          children(e);
        }
        case "script", "style", "img", "svg" -> { } // no text a reader would see
        default -> children(e); // a, strong, em, span, sup, ...: keep the text, drop the markup
      }
    }

    void codeBlock(Element pre) {
      String code = pre.wholeText();
      while (code.endsWith("\n")) {
        code = code.substring(0, code.length() - 1);
      }
      String fence = "```";
      while (code.contains(fence)) {
        fence += "`";
      }
      block();
      out.append(fence).append(language(pre)).append('\n').append(code).append('\n').append(fence);
      block();
    }

    private static String language(Element pre) {
      for (Element e : new Element[] {pre, pre.selectFirst("code")}) {
        if (e == null) {
          continue;
        }
        for (String cls : e.classNames()) {
          if (cls.startsWith("lang-") && cls.length() > 5) {
            return cls.substring(5);
          }
          if (cls.startsWith("language-") && cls.length() > 9) {
            return cls.substring(9);
          }
        }
      }
      return "";
    }

    void inlineCode(String code) {
      String tick = code.contains("`") ? "``" : "`";
      String pad = code.startsWith("`") || code.endsWith("`") ? " " : "";
      out.append(tick).append(pad).append(code).append(pad).append(tick);
    }

    void list(Element list) {
      boolean ordered = list.normalName().equals("ol");
      int number = ordered && list.hasAttr("start") ? parseStart(list.attr("start")) : 1;
      if (listDepth == 0) {
        block();
      }
      listDepth++;
      for (Element item : list.children()) {
        if (!item.normalName().equals("li")) {
          node(item);
          continue;
        }
        newline();
        out.append("  ".repeat(listDepth - 1)).append(ordered ? (number++) + ". " : "- ");
        children(item);
      }
      listDepth--;
      if (listDepth == 0) {
        block();
      } else {
        newline();
      }
    }

    private static int parseStart(String start) {
      try {
        return Integer.parseInt(start.strip());
      } catch (NumberFormatException e) {
        return 1;
      }
    }

    void blockquote(Element quote) {
      Renderer inner = new Renderer();
      inner.children(quote);
      block();
      String[] lines = inner.finish().split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        out.append(i == 0 ? "" : "\n").append(lines[i].isEmpty() ? ">" : "> " + lines[i]);
      }
      block();
    }

    void inlineText(String text) {
      boolean lastWasSpace = out.isEmpty() || isSpace(out.charAt(out.length() - 1));
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (isSpace(c)) {
          if (!lastWasSpace) {
            out.append(' ');
            lastWasSpace = true;
          }
        } else {
          out.append(c);
          lastWasSpace = false;
        }
      }
    }

    /** Ends the current paragraph: the next text starts after a blank line (a line break inside lists). */
    void block() {
      if (listDepth > 0) {
        newline();
        return;
      }
      trimTrailingSpaces();
      if (out.isEmpty()) {
        return;
      }
      if (out.charAt(out.length() - 1) != '\n') {
        out.append('\n');
      }
      if (out.length() < 2 || out.charAt(out.length() - 2) != '\n') {
        out.append('\n');
      }
    }

    void newline() {
      trimTrailingSpaces();
      if (!out.isEmpty() && out.charAt(out.length() - 1) != '\n') {
        out.append('\n');
      }
    }

    private void trimTrailingSpaces() {
      int n = out.length();
      while (n > 0 && out.charAt(n - 1) == ' ') {
        n--;
      }
      out.setLength(n);
    }

    private static boolean isSpace(char c) {
      return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f';
    }

    String finish() {
      return out.toString().strip();
    }
  }
}
