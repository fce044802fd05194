package io.sparkrlhf.datasets.prepare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkrlhf.model.prompt.PromptTemplate;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import io.sparkrlhf.model.tokenizer.TokenizerSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuestionThreadTest {
  private static final TextTokenizer GPT2 = TokenizerSpec.gpt2().load();

  private static PrepareOptions options(int maxPrompt, int maxPair, SftSelection sft) {
    return new PrepareOptions(PromptTemplate.STACK_LLAMA, TokenizerSpec.gpt2(), 16, maxPrompt, maxPair, 10, sft, 42,
        0.0, "", 10_000, 1000);
  }

  private static final QuestionThread.Question Q = new QuestionThread.Question("s", 10, "T", "B", 12L);

  /** Hand-worked: scores 11→0, 12→3 (accepted), 13→3, 14→-1, 15→1; 11 duplicates 15's text; 16 is blank. */
  private static final List<QuestionThread.Answer> ANSWERS = List.of(
      new QuestionThread.Answer(11, 0, "plain"),
      new QuestionThread.Answer(12, 3, "answer twelve"),
      new QuestionThread.Answer(13, 7, "answer thirteen"),
      new QuestionThread.Answer(14, -2, "answer fourteen"),
      new QuestionThread.Answer(15, 1, " plain "),
      new QuestionThread.Answer(16, 9, "   "));

  @Test
  void handWorkedQuestion() {
    QuestionThread.Result r = new QuestionThread(options(100, 200, SftSelection.best())).fromAnswers(Q, ANSWERS);
    int[] prompt = GPT2.encode("Question: T\n\nB\n\nAnswer: ");
    assertArrayEquals(prompt, r.promptIds());
    assertEquals(EvalSplit.TRAIN, r.split());

    // Best: 12 and 13 tie on score 3; the accepted one wins.
    assertEquals(1, r.sftDocs().size());
    assertEquals(12, r.sftDocs().get(0).answerId());
    assertArrayEquals(concat(prompt, GPT2.encode("answer twelve"), 50256), r.sftDocs().get(0).ids());

    Set<String> pairs = new HashSet<>();
    for (QuestionThread.ScoredPair p : r.pairs()) {
      pairs.add(p.chosenAnswerId() + ">" + p.rejectedAnswerId() + ":" + p.chosenScore() + "," + p.rejectedScore());
      assertTrue(p.chosenScore() > p.rejectedScore());
    }
    // 11 was the duplicate (15 scores higher with the same text); 16 blank; 12-13 tie gives no pair.
    assertEquals(Set.of("12>15:3,1", "12>14:3,-1", "13>15:3,1", "13>14:3,-1", "15>14:1,-1"), pairs);
    QuestionThread.ScoredPair first = r.pairs().get(0);
    assertArrayEquals(GPT2.encode(text(first.chosenAnswerId())), first.chosenIds());
    assertEquals(Map.of(DropReason.DUPLICATE_ANSWER, 1L, DropReason.EMPTY_ANSWER, 1L), r.drops());
  }

  private static String text(long id) {
    return ANSWERS.stream().filter(a -> a.id() == id).findFirst().orElseThrow().body().strip();
  }

  @Test
  void llamaStyleTokenizersStartEveryPromptWithBos() {
    TokenizerSpec withBos = TokenizerSpec.huggingFaceJson(
        io.sparkrlhf.model.tokenizer.TinyTokenizerJson.json(), "</s>", "h", "tiny.json");
    PrepareOptions o = new PrepareOptions(PromptTemplate.STACK_LLAMA, withBos, 16, 100, 200, 10, SftSelection.best(), 42,
        0.0, "", 10_000, 1000);
    QuestionThread.Result r = new QuestionThread(o).fromAnswers(Q, ANSWERS);
    int bos = io.sparkrlhf.model.tokenizer.TinyTokenizerJson.vocab().get("h");
    assertEquals(bos, r.promptIds()[0]);
    assertEquals(bos, r.sftDocs().get(0).ids()[0]);
    assertArrayEquals(withBos.load().encode("Question: T\n\nB\n\nAnswer: "),
        java.util.Arrays.copyOfRange(r.promptIds(), 1, r.promptIds().length));
  }

  /** Llama-3-Instruct's chat template writes <|begin_of_text|> itself: the prompt must not get a second BOS. */
  @Test
  void aChatTemplatePromptCarriesItsOwnBosAndTurnMarkers() throws Exception {
    TokenizerSpec llama3 = TokenizerSpec.huggingFaceJson(io.sparkrlhf.model.tokenizer.ModernTokenizerJson.llama3(),
        "<|eot_id|>", "<|begin_of_text|>", "llama3/tokenizer.json");
    byte[] config;
    try (var in = getClass().getResourceAsStream("/chat-templates/llama-3-8b-instruct.tokenizer_config.json")) {
      config = in.readAllBytes();
    }
    PromptTemplate chat = PromptTemplate.chat(
        io.sparkrlhf.model.prompt.ChatTemplate.fromTokenizerConfig(config, "llama3").orElseThrow(), true, "");
    PrepareOptions o = new PrepareOptions(chat, llama3, 16, 1000, 2000, 10, SftSelection.best(), 42, 0.0, "", 10_000, 1000);
    QuestionThread.Result r = new QuestionThread(o).fromAnswers(Q, ANSWERS);
    TextTokenizer tok = llama3.load();
    // <|begin_of_text|> once, then <|start_header_id|>user<|end_header_id|>, the question, <|eot_id|>, assistant header.
    assertEquals(128000, r.promptIds()[0]);
    assertEquals(128006, r.promptIds()[1]);
    assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nT\n\nB<|eot_id|>"
        + "<|start_header_id|>assistant<|end_header_id|>\n\n", tok.decode(r.promptIds()));
    int[] doc = r.sftDocs().get(0).ids();
    assertEquals(128009, doc[doc.length - 1], "SFT documents end with the Instruct model's <|eot_id|>");
  }

  @Test
  void minScoreSelectionTakesEveryGoodAnswer() {
    QuestionThread.Result r = new QuestionThread(options(100, 200, SftSelection.minScore(2))).fromAnswers(Q, ANSWERS);
    assertEquals(List.of(12L, 13L), r.sftDocs().stream().map(QuestionThread.SftDoc::answerId).toList());
  }

  @Test
  void longPromptDropsTheQuestionAndCountsItsAnswers() {
    QuestionThread.Result r = new QuestionThread(options(3, 200, SftSelection.best())).fromAnswers(Q, ANSWERS);
    assertNull(r.promptIds());
    assertTrue(r.pairs().isEmpty() && r.sftDocs().isEmpty());
    assertEquals(Map.of(DropReason.PROMPT_TOO_LONG, 1L, DropReason.ANSWER_OF_DROPPED_QUESTION, 6L), r.drops());
  }

  @Test
  void answersTooLongForAPairLeavePairingButStaySftCandidates() {
    int prompt = GPT2.encode("Question: T\n\nB\n\nAnswer: ").length;
    String longText = "a much longer answer that has many more tokens than the short one";
    List<QuestionThread.Answer> answers = List.of(
        new QuestionThread.Answer(1, 7, longText), new QuestionThread.Answer(2, 1, "ok"), new QuestionThread.Answer(3, 0, "no"));
    int maxPair = prompt + 2;
    assertTrue(GPT2.encode(longText).length > 2);
    QuestionThread.Result r = new QuestionThread(options(prompt, maxPair, SftSelection.best()))
        .fromAnswers(new QuestionThread.Question("s", 10, "T", "B", null), answers);
    assertEquals(1, r.pairs().size());
    assertEquals(2, r.pairs().get(0).chosenAnswerId());
    assertEquals(1L, r.drops().get(DropReason.ANSWER_TOO_LONG_FOR_PAIR));
    assertEquals(1, r.sftDocs().get(0).answerId(), "the long best answer is still the SFT document");
  }

  @Test
  void emptyQuestionsOrphansAndUnanswered() {
    QuestionThread t = new QuestionThread(options(100, 200, SftSelection.best()));
    QuestionThread.Result empty = t.fromAnswers(new QuestionThread.Question("s", 1, " ", "\n", null), ANSWERS);
    assertEquals(1L, empty.drops().get(DropReason.EMPTY_QUESTION));
    QuestionThread.Result orphans = t.orphans("s", 99, 3);
    assertEquals(Map.of(DropReason.ORPHAN_ANSWER, 3L), orphans.drops());
    QuestionThread.Result unanswered = t.fromAnswers(Q, List.of());
    assertTrue(unanswered.promptIds().length > 0);
    assertEquals(Map.of(DropReason.QUESTION_WITHOUT_ANSWERS, 1L), unanswered.drops());
    QuestionThread.Result ties = t.fromAnswers(Q, List.of(new QuestionThread.Answer(1, 3, "a"), new QuestionThread.Answer(2, 3, "b")));
    assertEquals(Map.of(DropReason.NO_SCORE_DIFFERENCE, 1L), ties.drops());
  }

  @Test
  void givenPairsKeepTheirPreferenceAndDeduplicateSftDocuments() {
    QuestionThread t = new QuestionThread(options(100, 200, SftSelection.best()));
    QuestionThread.Result r = t.fromGivenPairs("paired", 5, "Why?", List.of(
        new QuestionThread.GivenPair("good", "bad"),
        new QuestionThread.GivenPair("good", "worse"),
        new QuestionThread.GivenPair("same", "same"),
        new QuestionThread.GivenPair("", "x")));
    assertEquals(2, r.pairs().size());
    for (QuestionThread.ScoredPair p : r.pairs()) {
      assertArrayEquals(GPT2.encode("good"), p.chosenIds());
      assertNull(p.chosenScore());
    }
    assertEquals(1, r.sftDocs().size(), "one SFT document per distinct preferred response");
    assertEquals(Map.of(DropReason.PAIR_IDENTICAL_RESPONSES, 1L, DropReason.EMPTY_ANSWER, 1L), r.drops());
  }

  private static int[] concat(int[] a, int[] b, int eos) {
    int[] out = new int[a.length + b.length + 1];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    out[out.length - 1] = eos;
    return out;
  }
}
