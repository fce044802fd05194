package io.sparkrlhf.datasets.prepare;

import io.sparkrlhf.datasets.stackexchange.AnswerScore;
import io.sparkrlhf.model.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The StackLLaMA recipe for one question and its answers: score the answers, drop empty and
 * duplicate ones, render and tokenise the prompt once and every answer once, choose the SFT
 * document(s) and sample preference pairs.
 *
 * <p>Prompt and answer are tokenised separately and concatenated, so a prompt's ids are the same in
 * all three tables: the policy and the reward model see exactly the prompt tokens PPO will feed.
 */
public final class QuestionThread {

  public record Question(String site, long id, String title, String body, Long acceptedAnswerId) {}

  public record Answer(long id, int upvotes, String body) {}

  /** An SFT document: prompt + answer + EOS. */
  public record SftDoc(long answerId, int[] ids) {}

  /** A preference pair; scores are null when the input carried none (paired tables). */
  public record ScoredPair(
      long chosenAnswerId, long rejectedAnswerId, int[] chosenIds, int[] rejectedIds, Integer chosenScore, Integer rejectedScore) {}

  /** What one question contributes; {@code promptIds} is null when the question was dropped. */
  public record Result(
      String site, long questionId, String split, int[] promptIds, List<SftDoc> sftDocs, List<ScoredPair> pairs, Map<String, Long> drops) {}

  /** A pair given by the input (paired tables): {@code chosen} is preferred. */
  public record GivenPair(String chosen, String rejected) {}

  private final PrepareOptions options;
  private final TextTokenizer tokenizer;
  private final EvalSplit split;
  private final PairSampler sampler;

  public QuestionThread(PrepareOptions options) {
    this.options = options;
    this.tokenizer = options.tokenizer().load();
    this.split = options.split();
    this.sampler = options.sampler();
  }

  /** Answers whose question is absent from the input. */
  public Result orphans(String site, long questionId, int answerCount) {
    Map<String, Long> drops = new LinkedHashMap<>();
    drops.put(DropReason.ORPHAN_ANSWER, (long) answerCount);
    return new Result(site, questionId, split.of(site, questionId), null, List.of(), List.of(), drops);
  }

  public Result fromAnswers(Question q, List<Answer> answers) {
    Map<String, Long> drops = new LinkedHashMap<>();
    String splitName = split.of(q.site(), q.id());
    int[] prompt = promptIds(questionText(q.title(), q.body()), drops);
    if (prompt == null) {
      count(drops, DropReason.ANSWER_OF_DROPPED_QUESTION, answers.size());
      return new Result(q.site(), q.id(), splitName, null, List.of(), List.of(), drops);
    }

    List<Scored> usable = usableAnswers(q, answers, drops);
    if (usable.isEmpty()) {
      count(drops, DropReason.QUESTION_WITHOUT_ANSWERS, 1);
      return new Result(q.site(), q.id(), splitName, prompt, List.of(), List.of(), drops);
    }
    for (Scored a : usable) {
      a.ids = tokenizer.encode(a.text);
    }

    List<SftDoc> docs = new ArrayList<>();
    for (Scored a : sftAnswers(usable)) {
      docs.add(new SftDoc(a.id, concat(prompt, a.ids, tokenizer.eosTokenId())));
    }

    List<Scored> pairable = new ArrayList<>();
    for (Scored a : usable) {
      if (prompt.length + a.ids.length <= options.maxPairTokens()) {
        pairable.add(a);
      } else {
        count(drops, DropReason.ANSWER_TOO_LONG_FOR_PAIR, 1);
      }
    }
    List<PairSampler.Candidate> candidates = new ArrayList<>();
    for (Scored a : pairable) {
      candidates.add(new PairSampler.Candidate(a.id, a.score));
    }
    List<ScoredPair> pairs = new ArrayList<>();
    for (PairSampler.Pair p : sampler.sample(q.site(), q.id(), candidates)) {
      Scored c = pairable.get(p.chosen());
      Scored r = pairable.get(p.rejected());
      pairs.add(new ScoredPair(c.id, r.id, c.ids, r.ids, c.score, r.score));
    }
    if (pairs.isEmpty() && pairable.size() >= 2) {
      count(drops, DropReason.NO_SCORE_DIFFERENCE, 1);
    }
    return new Result(q.site(), q.id(), splitName, prompt, docs, pairs, drops);
  }

  /**
   * A question of a paired table: its pairs are given (the first response preferred), not sampled.
   * The SFT documents are the distinct preferred responses.
   */
  public Result fromGivenPairs(String site, long questionId, String questionText, List<GivenPair> given) {
    Map<String, Long> drops = new LinkedHashMap<>();
    String splitName = split.of(site, questionId);
    int[] prompt = promptIds(questionText, drops);
    if (prompt == null) {
      count(drops, DropReason.ANSWER_OF_DROPPED_QUESTION, given.size());
      return new Result(site, questionId, splitName, null, List.of(), List.of(), drops);
    }
    Map<String, int[]> encoded = new HashMap<>();
    Map<String, Long> docIds = new LinkedHashMap<>();
    List<ScoredPair> pairs = new ArrayList<>();
    List<long[]> order = new ArrayList<>(); // {key, index into given}
    for (int i = 0; i < given.size(); i++) {
      order.add(new long[] {StableHash.combine(options.seed(), StableHash.of(given.get(i).chosen()), StableHash.of(given.get(i).rejected())), i});
    }
    order.sort(Comparator.comparingLong((long[] k) -> k[0]));
    for (long[] k : order) {
      GivenPair p = given.get((int) k[1]);
      String chosen = p.chosen().strip();
      String rejected = p.rejected().strip();
      if (chosen.isEmpty() || rejected.isEmpty()) {
        count(drops, DropReason.EMPTY_ANSWER, 1);
        continue;
      }
      if (chosen.equals(rejected)) {
        count(drops, DropReason.PAIR_IDENTICAL_RESPONSES, 1);
        continue;
      }
      int[] c = encoded.computeIfAbsent(chosen, tokenizer::encode);
      int[] r = encoded.computeIfAbsent(rejected, tokenizer::encode);
      docIds.putIfAbsent(chosen, StableHash.of(chosen));
      if (prompt.length + Math.max(c.length, r.length) > options.maxPairTokens()) {
        count(drops, DropReason.ANSWER_TOO_LONG_FOR_PAIR, 1);
      } else if (pairs.size() >= options.maxPairsPerQuestion()) {
        count(drops, DropReason.PAIR_OVER_LIMIT, 1);
      } else {
        pairs.add(new ScoredPair(StableHash.of(chosen), StableHash.of(rejected), c, r, null, null));
      }
    }
    List<SftDoc> docs = new ArrayList<>();
    for (Map.Entry<String, Long> d : docIds.entrySet()) {
      docs.add(new SftDoc(d.getValue(), concat(prompt, encoded.get(d.getKey()), tokenizer.eosTokenId())));
    }
    if (docs.isEmpty()) {
      count(drops, DropReason.QUESTION_WITHOUT_ANSWERS, 1);
    }
    return new Result(site, questionId, splitName, prompt, docs, pairs, drops);
  }

  /** The question as the prompt shows it: title, blank line, body. */
  public static String questionText(String title, String body) {
    String t = title == null ? "" : title.strip();
    String b = body == null ? "" : body.strip();
    return t.isEmpty() ? b : b.isEmpty() ? t : t + "\n\n" + b;
  }

  private int[] promptIds(String questionText, Map<String, Long> drops) {
    if (questionText.isBlank()) {
      count(drops, DropReason.EMPTY_QUESTION, 1);
      return null;
    }
    int[] ids = tokenizer.encode(options.template().render(questionText));
    // LLaMA-style tokenizers start every sequence with BOS; a chat template writes its own.
    if (tokenizer.bosTokenId().isPresent() && !options.template().rendersSpecialTokens()) {
      int[] withBos = new int[ids.length + 1];
      withBos[0] = tokenizer.bosTokenId().getAsInt();
      System.arraycopy(ids, 0, withBos, 1, ids.length);
      ids = withBos;
    }
    if (ids.length > options.maxPromptTokens()) {
      count(drops, DropReason.PROMPT_TOO_LONG, 1);
      return null;
    }
    return ids;
  }

  private static final class Scored {
    final long id;
    final int upvotes;
    final boolean accepted;
    final int score;
    final String text;
    int[] ids;

    Scored(Answer a, boolean accepted) {
      this.id = a.id();
      this.upvotes = a.upvotes();
      this.accepted = accepted;
      this.score = AnswerScore.of(a.upvotes(), accepted);
      this.text = a.body().strip();
    }
  }

  /** Better first: higher score, then accepted, then more upvotes, then the older (lower) id. */
  private static final Comparator<Scored> BEST_FIRST =
      Comparator.<Scored>comparingInt(a -> -a.score)
          .thenComparing(a -> !a.accepted)
          .thenComparingInt(a -> -a.upvotes)
          .thenComparingLong(a -> a.id);

  private List<Scored> usableAnswers(Question q, List<Answer> answers, Map<String, Long> drops) {
    List<Scored> scored = new ArrayList<>();
    for (Answer a : answers) {
      Scored s = new Scored(a, q.acceptedAnswerId() != null && q.acceptedAnswerId() == a.id());
      if (s.text.isEmpty()) {
        count(drops, DropReason.EMPTY_ANSWER, 1);
      } else {
        scored.add(s);
      }
    }
    scored.sort(BEST_FIRST);
    // Duplicates have the same length: comparing texts of equal length only spares hashing every
    // answer's whole text (8 % of prepare's CPU as a HashMap key).
    Map<Integer, List<Scored>> byLength = new HashMap<>();
    List<Scored> distinct = new ArrayList<>(scored.size());
    for (Scored s : scored) {
      List<Scored> sameLength = byLength.computeIfAbsent(s.text.length(), n -> new ArrayList<>(1));
      if (sameLength.stream().anyMatch(kept -> kept.text.equals(s.text))) {
        count(drops, DropReason.DUPLICATE_ANSWER, 1);
      } else {
        sameLength.add(s);
        distinct.add(s);
      }
    }
    return distinct;
  }

  private List<Scored> sftAnswers(List<Scored> bestFirst) {
    if (options.sftSelection().mode() == SftSelection.Mode.BEST) {
      return List.of(bestFirst.get(0));
    }
    List<Scored> out = new ArrayList<>();
    for (Scored s : bestFirst) {
      if (s.score >= options.sftSelection().minScore()) {
        out.add(s);
      }
    }
    return out;
  }

  static int[] concat(int[] prompt, int[] answer, int eos) {
    int[] out = new int[prompt.length + answer.length + 1];
    System.arraycopy(prompt, 0, out, 0, prompt.length);
    System.arraycopy(answer, 0, out, prompt.length, answer.length);
    out[out.length - 1] = eos;
    return out;
  }

  private static void count(Map<String, Long> drops, String reason, long n) {
    if (n > 0) {
      drops.merge(reason, n, Long::sum);
    }
  }
}
