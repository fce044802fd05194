package io.sparkrlhf.datasets.stackexchange;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TagsAndScoreTest {
  @Test
  void bothTagStyles() {
    assertEquals(List.of("c#", "linq", "entity-framework"), Tags.parse("<c#><linq><entity-framework>"));
    assertEquals(List.of("c#", "linq", "entity-framework"), Tags.parse("|c#|linq|entity-framework|"));
    assertEquals(List.of("single"), Tags.parse("|single|"));
    assertEquals(List.of(), Tags.parse(""));
  }

  /** round(log2(1 + upvotes)) + accepted; negative upvotes score -1. Worked by hand. */
  @ParameterizedTest
  @CsvSource({
    "0, false, 0",   // log2(1) = 0
    "1, false, 1",   // log2(2) = 1
    "2, false, 2",   // log2(3) = 1.585
    "3, false, 2",   // log2(4) = 2
    "4, false, 2",   // log2(5) = 2.32
    "5, false, 3",   // log2(6) = 2.585
    "7, false, 3",   // log2(8) = 3
    "1000, false, 10", // log2(1001) = 9.97
    "0, true, 1",
    "3, true, 3",
    "-1, false, -1",
    "-1, true, -1",
    "-50, true, -1"
  })
  void stackLlamaScore(int upvotes, boolean accepted, int expected) {
    assertEquals(expected, AnswerScore.of(upvotes, accepted));
  }
}
