package io.sparkrlhf.jobs.dpo;

import io.sparkrlhf.engine.ReplicaRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code dpo.precompute-ref-logps}: one Spark pass over the pairs with the frozen reference on the
 * executors, before training, so that the training replicas hold the policy only (full fine-tuning
 * then needs one model's memory, not two). The examples come back carrying their reference
 * log-probs, persisted where they were computed; the reference replicas are released.
 */
public final class ReferenceLogps {
  private ReferenceLogps() {}

  /** {@code examples} with their reference log-probs; the caller unpersists the result after training. */
  public static JavaRDD<DpoExample> attach(JavaRDD<DpoExample> examples, ReferenceObjective reference, int batch,
      String what) {
    String runId = "dpo-reference-" + UUID.randomUUID().toString().substring(0, 8);
    JavaRDD<DpoExample> scored = examples.mapPartitions(it -> {
      List<DpoExample> all = new ArrayList<>();
      it.forEachRemaining(all::add);
      List<DpoExample> out = new ArrayList<>(all.size());
      for (int from = 0; from < all.size(); from += batch) {
        List<DpoExample> chunk = all.subList(from, Math.min(all.size(), from + batch));
        float[] logps = ReplicaRegistry.withReplica(runId, reference,
            held -> ((ReferenceReplica) held.replica()).logps(chunk));
        int b = chunk.size();
        for (int i = 0; i < b; i++) {
          out.add(new DpoExample(chunk.get(i).pair(), new float[] {logps[i], logps[b + i]}));
        }
      }
      return out.iterator();
    }, true).setName(what + " with reference log-probs").persist(StorageLevel.MEMORY_AND_DISK());
    try {
      scored.count();
    } catch (RuntimeException e) {
      scored.unpersist(false);
      ReplicaRegistry.release(runId);
      throw e;
    }
    ReplicaRegistry.releaseOn(scored, runId); // a cached RDD: this visits the executors without recomputing
    return scored;
  }
}
