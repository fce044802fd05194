package io.sparkrlhf.jobs.reward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.model.heads.ScalarHead;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import io.sparkrlhf.model.transformer.SeededInit;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reward-model replica: the transformer without its LM head, a scalar score at each sequence's
 * last real token, and the pairwise loss −log σ(r_chosen − r_rejected − margin) summed over pairs.
 * Chosen and rejected sequences of a micro-batch run as one batch of 2B rows, right-padded.
 */
final class RewardReplica implements Replica<PreferencePair> {
  private final RewardObjective objective;
  private final NDManager manager;
  private final DecoderLM model;
  private final ScalarHead score;
  private final Trainables trainables;
  private final ParameterStore ps;

  RewardReplica(RewardObjective objective, Device device) throws IOException {
    this.objective = objective;
    this.manager = NDManager.newBaseManager(device);
    try {
      ModelBuilder.Built built = ModelBuilder.build(objective.spec(), manager);
      this.model = built.model();
      this.score = ScalarHead.reward(model.config().hiddenSize());
      score.initialize(manager, objective.spec().dataType());
      float[] saved = built.headTensors().get("score.weight");
      if (saved != null) {
        HfWeights.assign(score.hfParameters().get(0), saved); // continuing from a reward model
      } else {
        SeededInit.apply(score.hfParameters(), objective.headSeed());
      }
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    List<HfParameter> trained = new ArrayList<>(objective.spec().lora() != null ? model.loraParameters()
        : model.hfParameters().stream().filter(p -> !p.name().equals("lm_head.weight")).toList());
    trained.addAll(score.hfParameters());
    this.trainables = Trainables.of(trained, p -> true);
    this.ps = new ParameterStore(manager, false);
  }

  DecoderLM model() {
    return model;
  }

  ScalarHead score() {
    return score;
  }

  @Override
  public Trainables trainables() {
    return trainables;
  }

  @Override
  public BatchStats accumulate(List<PreferencePair> pairs, MicroBatchId id) {
    model.seedDropout(id.key(objective.spec().loraSeed()));
    return Autograd.record(collector -> {
      try (NDManager scope = manager.newSubManager()) {
        Scored s = score(scope, pairs, true);
        collector.backward(s.result.lossSum());
        return s.stats();
      }
    });
  }

  @Override
  public BatchStats evaluate(List<PreferencePair> pairs) {
    try (NDManager scope = manager.newSubManager()) {
      return score(scope, pairs, false).stats();
    }
  }

  private record Scored(Losses.PairwiseResult result, int pairs, long tokens) {
    BatchStats stats() {
      return new BatchStats(result.lossSum().getFloat(), pairs, result.correct().getFloat(), pairs, tokens);
    }
  }

  private Scored score(NDManager scope, List<PreferencePair> pairs, boolean training) {
    int b = pairs.size();
    List<int[]> rows = new ArrayList<>(2 * b);
    for (PreferencePair p : pairs) {
      rows.add(sequence(p.prompt(), p.chosen()));
    }
    for (PreferencePair p : pairs) {
      rows.add(sequence(p.prompt(), p.rejected()));
    }
    NDArray rewards = rewards(scope, rows, training); // (2B)
    NDArray chosen = rewards.get(new NDIndex("0:{}", b));
    NDArray rejected = rewards.get(new NDIndex("{}:", b));
    NDArray margin = null;
    if (objective.marginScale() != 0) {
      float[] m = new float[b];
      for (int i = 0; i < b; i++) {
        m[i] = (float) (objective.marginScale() * pairs.get(i).margin());
      }
      margin = scope.create(m);
    }
    long tokens = rows.stream().mapToLong(r -> r.length).sum();
    return new Scored(Losses.pairwiseReward(chosen, rejected, margin), b, tokens);
  }

  /** The reward of each sequence (prompt + response token ids), without gradients. */
  float[] rewards(List<int[]> sequences) {
    try (NDManager scope = manager.newSubManager()) {
      return rewards(scope, sequences, false).toFloatArray();
    }
  }

  /** Scores at each row's last token, rows right-padded into one batch: (rows) float32. */
  private NDArray rewards(NDManager scope, List<int[]> rows, boolean training) {
    int t = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
    long[] ids = new long[rows.size() * t];
    long[] mask = new long[ids.length];
    for (int r = 0; r < rows.size(); r++) {
      int[] row = rows.get(r);
      for (int i = 0; i < t; i++) {
        ids[r * t + i] = i < row.length ? row[i] : objective.padTokenId();
        mask[r * t + i] = i < row.length ? 1 : 0;
      }
    }
    Shape shape = new Shape(rows.size(), t);
    NDArray idArray = scope.create(ids, shape);
    NDArray maskArray = scope.create(mask, shape);
    NDArray hidden = model.forwardHidden(ps, idArray, maskArray, null, training).hidden();
    return score.atLastToken(ps, hidden, maskArray, training).toType(DataType.FLOAT32, false);
  }

  /** prompt + response, cut to the objective's max length (the end of a long answer is dropped, as TRL truncates). */
  private int[] sequence(int[] prompt, int[] response) {
    int n = Math.min(objective.maxLength(), prompt.length + response.length);
    int[] out = new int[n];
    int fromPrompt = Math.min(n, prompt.length);
    System.arraycopy(prompt, 0, out, 0, fromPrompt);
    System.arraycopy(response, 0, out, fromPrompt, n - fromPrompt);
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
