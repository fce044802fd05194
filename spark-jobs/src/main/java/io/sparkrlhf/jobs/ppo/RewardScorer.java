package io.sparkrlhf.jobs.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.heads.ScalarHead;
import io.sparkrlhf.model.transformer.DecoderLM;
import io.sparkrlhf.model.transformer.HfParameter;
import io.sparkrlhf.model.transformer.HfWeights;
import java.io.IOException;
import java.util.List;

/** A frozen reward model (transformer + score head) that scores token sequences at their last token. */
public final class RewardScorer {
  private final DecoderLM model;
  private final ScalarHead score;
  private final float[] scoreWeight;
  private final int padTokenId;
  private final ParameterStore ps;

  public RewardScorer(ModelSpec spec, NDManager manager, int padTokenId) throws IOException {
    ModelBuilder.Built built = ModelBuilder.build(spec, manager);
    this.model = built.model();
    for (HfParameter p : model.hfParameters()) {
      p.parameter().freeze(true);
    }
    this.scoreWeight = built.headTensors().get("score.weight");
    if (scoreWeight == null) {
      throw new IllegalArgumentException("the reward model " + spec.describeBase() + " has no score.weight: it is not a "
          + "reward model (train one with rlhf reward)");
    }
    this.score = ScalarHead.reward(model.config().hiddenSize());
    score.initialize(manager, spec.dataType());
    HfWeights.assign(score.hfParameters().get(0), scoreWeight);
    score.hfParameters().forEach(p -> p.parameter().freeze(true));
    this.padTokenId = padTokenId;
    this.ps = new ParameterStore(manager, false);
  }

  /** The score head's weight (1 × hidden), for a value head that starts from it. */
  float[] scoreWeight() {
    return scoreWeight.clone();
  }

  /** One score per sequence, rows right-padded into one batch. */
  public float[] score(NDManager parent, List<int[]> rows) {
    try (NDManager scope = parent.newSubManager()) {
      int t = rows.stream().mapToInt(r -> r.length).max().orElseThrow();
      long[] ids = new long[rows.size() * t];
      long[] mask = new long[ids.length];
      for (int r = 0; r < rows.size(); r++) {
        int[] row = rows.get(r);
        for (int i = 0; i < t; i++) {
          ids[r * t + i] = i < row.length ? row[i] : padTokenId;
          mask[r * t + i] = i < row.length ? 1 : 0;
        }
      }
      Shape shape = new Shape(rows.size(), t);
      NDArray maskArray = scope.create(mask, shape);
      NDArray hidden = model.forwardHidden(ps, scope.create(ids, shape), maskArray, null, false).hidden();
      return score.atLastToken(ps, hidden, maskArray, false).toType(DataType.FLOAT32, false).toFloatArray();
    }
  }
}
