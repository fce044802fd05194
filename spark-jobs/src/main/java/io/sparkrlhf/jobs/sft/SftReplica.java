package io.sparkrlhf.jobs.sft;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.sparkrlhf.engine.BatchStats;
import io.sparkrlhf.engine.MicroBatchId;
import io.sparkrlhf.engine.Replica;
import io.sparkrlhf.jobs.train.ModelBuilder;
import io.sparkrlhf.jobs.train.ModelSpec;
import io.sparkrlhf.model.loss.Losses;
import io.sparkrlhf.model.train.Autograd;
import io.sparkrlhf.model.train.Trainables;
import io.sparkrlhf.model.transformer.DecoderLM;
import java.io.IOException;
import java.util.List;

/** Causal-LM replica: next-token cross-entropy summed over each block, documents masked from each other. */
final class SftReplica implements Replica<SftExample> {
  private final NDManager manager;
  private final DecoderLM model;
  private final Trainables trainables;
  private final ParameterStore ps;
  private final long seed;

  SftReplica(ModelSpec spec, Device device) throws IOException {
    this.seed = spec.loraSeed();
    this.manager = NDManager.newBaseManager(device);
    try {
      this.model = ModelBuilder.build(spec, manager).model();
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
    this.trainables = spec.lora() != null ? Trainables.of(model.loraParameters(), p -> true)
        : Trainables.of(model.hfParameters(), p -> true);
    this.ps = new ParameterStore(manager, false);
  }

  DecoderLM model() {
    return model;
  }

  @Override
  public Trainables trainables() {
    return trainables;
  }

  @Override
  public BatchStats accumulate(List<SftExample> batch, MicroBatchId id) {
    model.seedDropout(id.key(seed));
    return Autograd.record(collector -> {
      try (NDManager scope = manager.newSubManager()) {
        Inputs in = inputs(scope, batch);
        DecoderLM.Output out = model.forward(ps, in.ids, in.mask, in.docs, null, true);
        Losses.Sum loss = Losses.causalLm(out.logits(), in.ids, in.lossMask, in.docs);
        collector.backward(loss.total());
        return stats(loss, batch);
      }
    });
  }

  @Override
  public BatchStats evaluate(List<SftExample> batch) {
    try (NDManager scope = manager.newSubManager()) {
      Inputs in = inputs(scope, batch);
      DecoderLM.Output out = model.forward(ps, in.ids, in.mask, in.docs, null, false);
      return stats(Losses.causalLm(out.logits(), in.ids, in.lossMask, in.docs), batch);
    }
  }

  private static BatchStats stats(Losses.Sum loss, List<SftExample> batch) {
    long tokens = (long) batch.size() * batch.get(0).inputIds().length;
    return new BatchStats(loss.total().getFloat(), loss.count().getFloat(), 0, batch.size(), tokens);
  }

  /** {@code mask}: attention (all ones: documents are kept apart by {@code docs}); {@code lossMask}: tokens predicted. */
  private record Inputs(NDArray ids, NDArray mask, NDArray docs, NDArray lossMask) {}

  private static Inputs inputs(NDManager scope, List<SftExample> batch) {
    int t = batch.get(0).inputIds().length;
    long[] ids = new long[batch.size() * t];
    long[] docs = new long[ids.length];
    long[] counted = new long[ids.length];
    for (int b = 0; b < batch.size(); b++) {
      SftExample e = batch.get(b);
      if (e.inputIds().length != t) {
        throw new IllegalArgumentException("packed blocks of different lengths in one batch: " + t + " and "
            + e.inputIds().length + " (sft_packed must come from one prepare run)");
      }
      for (int i = 0; i < t; i++) {
        ids[b * t + i] = e.inputIds()[i];
        docs[b * t + i] = e.docIds()[i];
        counted[b * t + i] = e.lossMask() == null ? 1 : e.lossMask()[i];
      }
    }
    Shape shape = new Shape(batch.size(), t);
    NDArray idArray = scope.create(ids, shape);
    return new Inputs(idArray, scope.ones(shape, ai.djl.ndarray.types.DataType.INT64), scope.create(docs, shape),
        scope.create(counted, shape));
  }

  @Override
  public void close() {
    manager.close();
  }
}
