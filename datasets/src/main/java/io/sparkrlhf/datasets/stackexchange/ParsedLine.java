package io.sparkrlhf.datasets.stackexchange;

import java.util.List;

/** What one line of a {@code Posts.xml} file turned out to be. */
public sealed interface ParsedLine {

  /** The XML declaration, {@code <posts>}, {@code </posts>} or a blank line. */
  record Structural() implements ParsedLine {}

  /** A well-formed row of a post type the recipe does not use (tag wikis, moderator posts, ...). */
  record OtherPostType(int postTypeId) implements ParsedLine {}

  /** A row that could not be used; {@code reason} is a stable code, {@code detail} says what and where. */
  record Bad(String reason, String detail) implements ParsedLine {}

  /**
   * A question (postTypeId 1) or answer (2). {@code body} is already plain Markdown-like text.
   * Absent optional attributes are null; {@code tags} is empty when absent.
   */
  record Post(
      int postTypeId,
      long id,
      Long parentId,
      Long acceptedAnswerId,
      int score,
      String title,
      String body,
      List<String> tags,
      String creationDate,
      String license)
      implements ParsedLine {

    public boolean isQuestion() {
      return postTypeId == PostRowParser.QUESTION;
    }
  }
}
