package io.sparkrlhf.datasets.stackexchange;

import java.io.StringReader;
import java.util.List;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Parses one line of a StackExchange {@code Posts.xml}: one {@code <row .../>} element per line,
 * attributes entity-escaped, NULL attributes absent. Never throws on bad input: a line that cannot
 * be used comes back as {@link ParsedLine.Bad} with its reason.
 *
 * <p>Not thread-safe (it holds a StAX factory); make one per task.
 */
public final class PostRowParser {
  public static final int QUESTION = 1;
  public static final int ANSWER = 2;

  public static final String MALFORMED_XML = "malformed_xml";
  public static final String MISSING_ATTRIBUTE = "missing_attribute";
  public static final String INVALID_NUMBER = "invalid_number";
  public static final String NOT_A_ROW = "not_a_row";
  public static final String ROW_TOO_LARGE = "row_too_large";
  public static final String INVALID_UTF8 = "invalid_utf8";

  private static final char BOM = '\uFEFF';
  private static final List<String> ATTRIBUTE_NAMES = List.of(RowAttributeScanner.NAMES);

  private final XMLInputFactory factory;
  private final int maxRowChars;
  private final boolean scanFirst;

  public PostRowParser(int maxRowChars) {
    this(maxRowChars, true);
  }

  /** {@code scanFirst}: try {@link RowAttributeScanner} before StAX (false only to test one against the other). */
  PostRowParser(int maxRowChars, boolean scanFirst) {
    this.maxRowChars = maxRowChars;
    this.scanFirst = scanFirst;
    this.factory = XMLInputFactory.newFactory();
    // A dump row never needs a DTD; refusing them closes the door on entity-expansion attacks.
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_COALESCING, false);
  }

  public ParsedLine parse(String line) {
    String trimmed = stripBom(line).strip();
    if (trimmed.isEmpty()
        || trimmed.startsWith("<?xml")
        || trimmed.equals("<posts>")
        || trimmed.equals("</posts>")) {
      return new ParsedLine.Structural();
    }
    if (trimmed.length() > maxRowChars) {
      return new ParsedLine.Bad(
          ROW_TOO_LARGE, "row of " + trimmed.length() + " characters exceeds the limit of " + maxRowChars);
    }
    if (!trimmed.startsWith("<row ") && !trimmed.startsWith("<row\t")) {
      return new ParsedLine.Bad(NOT_A_ROW, "line is not a <row .../> element");
    }
    try {
      return parseRow(trimmed);
    } catch (XMLStreamException e) {
      return new ParsedLine.Bad(MALFORMED_XML, e.getMessage().replaceAll("\\s+", " ").strip());
    } catch (AttributeException e) {
      return new ParsedLine.Bad(e.reason, e.getMessage());
    }
  }

  private ParsedLine parseRow(String row) throws XMLStreamException {
    String[] quick = scanFirst ? RowAttributeScanner.scan(row) : null;
    String[] v = quick != null ? quick : staxAttributes(row);
    long postId = requireLong("Id", v[RowAttributeScanner.ID]);
    int type = (int) requireLong("PostTypeId", v[RowAttributeScanner.POST_TYPE_ID]);
    if (type != QUESTION && type != ANSWER) {
      return new ParsedLine.OtherPostType(type);
    }
    Long parent = type == ANSWER ? requireLong("ParentId", v[RowAttributeScanner.PARENT_ID]) : null;
    // Score only matters for answers; a question without one is still a usable prompt.
    String score = v[RowAttributeScanner.SCORE];
    int votes = type == ANSWER ? (int) requireLong("Score", score) : (int) optionalLong("Score", score, 0L);
    String acceptedId = v[RowAttributeScanner.ACCEPTED_ANSWER_ID];
    Long accepted = type == QUESTION && acceptedId != null ? requireLong("AcceptedAnswerId", acceptedId) : null;
    String title = v[RowAttributeScanner.TITLE];
    String body = v[RowAttributeScanner.BODY];
    String tags = v[RowAttributeScanner.TAGS];
    return new ParsedLine.Post(
        type,
        postId,
        parent,
        accepted,
        votes,
        title == null ? "" : title.strip(),
        body == null ? "" : HtmlToText.convert(body),
        tags == null ? List.of() : Tags.parse(tags),
        v[RowAttributeScanner.CREATION_DATE],
        v[RowAttributeScanner.CONTENT_LICENSE]);
  }

  /** The row's attributes by {@link RowAttributeScanner#NAMES} index, read by StAX. */
  String[] staxAttributes(String row) throws XMLStreamException {
    XMLStreamReader xml = factory.createXMLStreamReader(new StringReader(row));
    try {
      int event = xml.next();
      if (event != XMLStreamConstants.START_ELEMENT || !"row".equals(xml.getLocalName())) {
        throw new AttributeException(NOT_A_ROW, "first element is not <row>");
      }
      String[] values = new String[RowAttributeScanner.NAMES.length];
      for (int i = 0; i < xml.getAttributeCount(); i++) {
        int k = ATTRIBUTE_NAMES.indexOf(xml.getAttributeLocalName(i));
        if (k >= 0) { // ViewCount, OwnerUserId, LastEditDate, ...: not used by the recipe
          values[k] = xml.getAttributeValue(i);
        }
      }
      // The rest of the line must close the element and end the document (catches "<row ...>" and trailing junk).
      while (xml.hasNext()) {
        xml.next();
      }
      return values;
    } finally {
      xml.close();
    }
  }

  private static long requireLong(String name, String value) {
    if (value == null) {
      throw new AttributeException(MISSING_ATTRIBUTE, "attribute " + name + " is missing");
    }
    return optionalLong(name, value, 0L);
  }

  private static long optionalLong(String name, String value, long absent) {
    if (value == null) {
      return absent;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new AttributeException(INVALID_NUMBER, "attribute " + name + "=\"" + value + "\" is not an integer");
    }
  }

  private static String stripBom(String line) {
    return !line.isEmpty() && line.charAt(0) == BOM ? line.substring(1) : line;
  }

  /** Internal: an attribute problem found while reading a row. */
  private static final class AttributeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String reason;

    AttributeException(String reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }
  }
}
