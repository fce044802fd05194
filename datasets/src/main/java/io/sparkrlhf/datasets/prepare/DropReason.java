package io.sparkrlhf.datasets.prepare;

/** Why a usable row contributed nothing (or less) to the tables; counted in the manifest. */
public final class DropReason {
  private DropReason() {}

  /** An answer whose question is not in the input (deleted, or in another dump). */
  public static final String ORPHAN_ANSWER = "orphan_answer";
  /** A question whose title and body are both empty or whitespace. */
  public static final String EMPTY_QUESTION = "empty_question";
  /** A question whose rendered prompt has more tokens than {@code max-prompt-tokens}. */
  public static final String PROMPT_TOO_LONG = "prompt_too_long";
  /** Answers lost because their question was dropped. */
  public static final String ANSWER_OF_DROPPED_QUESTION = "answer_of_dropped_question";
  /** An answer whose body is empty or whitespace. */
  public static final String EMPTY_ANSWER = "empty_answer";
  /** An answer whose text equals another answer's to the same question (the better one is kept). */
  public static final String DUPLICATE_ANSWER = "duplicate_answer";
  /** An answer left out of pairing because prompt + answer exceed {@code max-pair-tokens}. */
  public static final String ANSWER_TOO_LONG_FOR_PAIR = "answer_too_long_for_pair";
  /** A question with no usable answer: an RL prompt only. */
  public static final String QUESTION_WITHOUT_ANSWERS = "question_without_answers";
  /** A question with two or more answers that all share one score: no pair possible. */
  public static final String NO_SCORE_DIFFERENCE = "no_score_difference";
  /** A well-formed row of a post type the recipe does not use (tag wikis, moderator posts, ...). */
  public static final String OTHER_POST_TYPE = "other_post_type";
  /** A given pair (paired-table input) beyond {@code max-pairs-per-question}. */
  public static final String PAIR_OVER_LIMIT = "pair_over_limit";
  /** A given pair whose two responses are the same text. */
  public static final String PAIR_IDENTICAL_RESPONSES = "pair_identical_responses";
}
