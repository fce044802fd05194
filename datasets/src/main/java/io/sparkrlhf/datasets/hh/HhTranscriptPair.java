package io.sparkrlhf.datasets.hh;

/**
 * One Anthropic HH-RLHF row ({@code chosen} and {@code rejected} full transcripts of
 * {@code \n\nHuman:} / {@code \n\nAssistant:} turns) split into the prompt they share and the two
 * responses: the prompt is the common prefix up to and including its last {@code \n\nAssistant:},
 * the responses what follows it in each transcript (stripped).
 */
public record HhTranscriptPair(String prompt, String chosen, String rejected) {
  public static final String HUMAN = "\n\nHuman:";
  public static final String ASSISTANT = "\n\nAssistant:";

  /** Why a row cannot be used (the {@code bad_records} reason). */
  public static final String MISSING_TRANSCRIPT = "missing_transcript";
  public static final String NO_ASSISTANT_TURN = "no_assistant_turn";
  public static final String NO_COMMON_PREFIX = "no_common_prefix";
  public static final String IDENTICAL_RESPONSES = "identical_responses";

  /** A split row, or the reason it has none. */
  public record Split(HhTranscriptPair pair, String badReason, String detail) {}

  public static Split split(String chosen, String rejected) {
    if (chosen == null || rejected == null || chosen.isBlank() || rejected.isBlank()) {
      return bad(MISSING_TRANSCRIPT, "the row lacks a chosen or rejected transcript");
    }
    if (!chosen.contains(ASSISTANT) || !rejected.contains(ASSISTANT)) {
      return bad(NO_ASSISTANT_TURN, (chosen.contains(ASSISTANT) ? "rejected" : "chosen")
          + " transcript has no '\\n\\nAssistant:' turn");
    }
    int common = 0;
    int limit = Math.min(chosen.length(), rejected.length());
    while (common < limit && chosen.charAt(common) == rejected.charAt(common)) {
      common++;
    }
    int lastTurn = chosen.substring(0, common).lastIndexOf(ASSISTANT);
    if (lastTurn < 0) {
      return bad(NO_COMMON_PREFIX, "the transcripts share no prefix ending in '\\n\\nAssistant:' (they agree on "
          + common + " characters)");
    }
    int cut = lastTurn + ASSISTANT.length();
    String c = chosen.substring(cut).strip();
    String r = rejected.substring(cut).strip();
    if (c.equals(r)) {
      return bad(IDENTICAL_RESPONSES, "chosen and rejected end in the same response");
    }
    return new Split(new HhTranscriptPair(chosen.substring(0, cut), c, r), null, null);
  }

  private static Split bad(String reason, String detail) {
    return new Split(null, reason, detail);
  }
}
