package io.sparkrlhf.datasets.stackexchange;

/**
 * Reads the attributes of a {@code <row .../>} line written the way the dump writes them: names of
 * letters and digits, quoted values with the five predefined entities and character references.
 * Setting up a StAX reader costs more than reading a typical row, so {@link PostRowParser} tries
 * this first. Anything it does not handle exactly as XML 1.0 specifies — literal tabs or line breaks
 * in a value (normalised to spaces by XML), other entities, {@code <} in a value, a duplicate or
 * namespaced name, an invalid character — makes it give up with null, and the StAX parser decides
 * (and names the error when there is one).
 */
final class RowAttributeScanner {
  private RowAttributeScanner() {}

  static final int ID = 0;
  static final int POST_TYPE_ID = 1;
  static final int PARENT_ID = 2;
  static final int ACCEPTED_ANSWER_ID = 3;
  static final int SCORE = 4;
  static final int TITLE = 5;
  static final int BODY = 6;
  static final int TAGS = 7;
  static final int CREATION_DATE = 8;
  static final int CONTENT_LICENSE = 9;

  static final String[] NAMES = {
    "Id", "PostTypeId", "ParentId", "AcceptedAnswerId", "Score", "Title", "Body", "Tags", "CreationDate", "ContentLicense"
  };

  private static final int MAX_ATTRIBUTES = 64;

  /**
   * The values of the attributes in {@link #NAMES}, by index (null when absent), or null when the
   * row needs a full XML parser. {@code row} is stripped and starts with {@code <row} and a space or tab.
   */
  static String[] scan(String row) {
    if (!row.endsWith("/>")) {
      return null;
    }
    int end = row.length() - 2;
    String[] values = new String[NAMES.length];
    int[] nameStarts = new int[MAX_ATTRIBUTES];
    int[] nameLengths = new int[MAX_ATTRIBUTES];
    int attributes = 0;
    int i = 4;
    while (true) {
      int spaceStart = i;
      while (i < end && isSpace(row.charAt(i))) {
        i++;
      }
      if (i == end) {
        return values;
      }
      if (i == spaceStart || attributes == MAX_ATTRIBUTES) {
        return null; // attributes run together, or an unusual row
      }
      int nameStart = i;
      while (i < end && isNameChar(row.charAt(i))) {
        i++;
      }
      int nameLength = i - nameStart;
      if (nameLength == 0 || !isNameStart(row.charAt(nameStart)) || row.regionMatches(true, nameStart, "xml", 0, 3)) {
        return null;
      }
      for (int a = 0; a < attributes; a++) {
        if (nameLengths[a] == nameLength && row.regionMatches(nameStarts[a], row, nameStart, nameLength)) {
          return null; // a duplicate: an XML error, reported by the full parser
        }
      }
      nameStarts[attributes] = nameStart;
      nameLengths[attributes++] = nameLength;
      while (i < end && isSpace(row.charAt(i))) {
        i++;
      }
      if (i == end || row.charAt(i) != '=') {
        return null;
      }
      i++;
      while (i < end && isSpace(row.charAt(i))) {
        i++;
      }
      if (i == end || (row.charAt(i) != '"' && row.charAt(i) != '\'')) {
        return null;
      }
      int close = row.indexOf(row.charAt(i), i + 1);
      if (close < 0 || close >= end) {
        return null;
      }
      int known = known(row, nameStart, nameLength);
      if (known >= 0 || needsCheck(row, i + 1, close)) {
        String value = value(row, i + 1, close);
        if (value == null) {
          return null;
        }
        if (known >= 0) {
          values[known] = value;
        }
      }
      i = close + 1;
    }
  }

  private static int known(String row, int start, int length) {
    for (int k = 0; k < NAMES.length; k++) {
      if (NAMES[k].length() == length && row.regionMatches(start, NAMES[k], 0, length)) {
        return k;
      }
    }
    return -1;
  }

  /** Whether an unused value holds anything but plain characters (it must still be valid XML). */
  private static boolean needsCheck(String row, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = row.charAt(i);
      if (c < 0x20 || c == '&' || c == '<' || c >= 0xD800) {
        return true;
      }
    }
    return false;
  }

  /** The value between the quotes, entities replaced; null when the full parser must decide. */
  private static String value(String row, int from, int to) {
    StringBuilder out = null;
    int copied = from;
    for (int i = from; i < to; i++) {
      char c = row.charAt(i);
      if (c >= 0x20 && c != '&' && c != '<' && c < 0xD800) {
        continue;
      }
      if (c == '&') {
        int semi = row.indexOf(';', i + 1);
        if (semi < 0 || semi >= to || semi - i > 10) {
          return null;
        }
        int codePoint = entity(row, i + 1, semi);
        if (codePoint < 0) {
          return null;
        }
        out = out == null ? new StringBuilder(to - from) : out;
        out.append(row, copied, i).appendCodePoint(codePoint);
        i = semi;
        copied = semi + 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(row.charAt(i + 1))) {
        i++;
      } else if (c < 0x20 || c == '<' || Character.isSurrogate(c) || c >= 0xFFFE) {
        return null; // tabs and line breaks become spaces in XML; the rest are errors
      }
    }
    if (out == null) {
      return row.substring(from, to);
    }
    return out.append(row, copied, to).toString();
  }

  /** The character an entity or character reference between {@code &} and {@code ;} stands for, or -1. */
  private static int entity(String row, int from, int to) {
    String name = row.substring(from, to);
    switch (name) {
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
      default:
        break;
    }
    if (name.length() < 2 || name.charAt(0) != '#') {
      return -1;
    }
    boolean hex = name.charAt(1) == 'x';
    String digits = name.substring(hex ? 2 : 1);
    if (digits.isEmpty() || digits.length() > 7) {
      return -1;
    }
    int codePoint = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = Character.digit(digits.charAt(i), hex ? 16 : 10);
      if (d < 0 || digits.charAt(i) > 'f') {
        return -1;
      }
      codePoint = codePoint * (hex ? 16 : 10) + d;
    }
    boolean xmlChar = codePoint == 0x9 || codePoint == 0xA || codePoint == 0xD
        || (codePoint >= 0x20 && codePoint <= 0xD7FF) || (codePoint >= 0xE000 && codePoint <= 0xFFFD)
        || (codePoint >= 0x10000 && codePoint <= 0x10FFFF);
    return xmlChar ? codePoint : -1;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static boolean isNameStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }

  private static boolean isNameChar(char c) {
    return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
}
