package io.sparkrlhf.jobs.ppo;

import io.sparkrlhf.engine.EpochPermutation;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** One partition's share of an iteration's rollout buffer (cached where it was made). */
record RolloutPart(int partition, List<Rollout> rollouts, RolloutTimes times) implements Serializable {

  /**
   * This partition's members of a minibatch: the rollouts whose slot lands at positions
   * [from, to) of the PPO epoch's permutation, in that order, as PPO samples.
   */
  List<PpoSample> minibatch(EpochPermutation order, long from, long to, IterationParams p) {
    List<Rollout> members = new ArrayList<>();
    for (Rollout r : rollouts) {
      long at = order.inverse(r.slot());
      if (at >= from && at < to) {
        members.add(r);
      }
    }
    members.sort(Comparator.comparingLong(r -> order.inverse(r.slot())));
    List<PpoSample> out = new ArrayList<>(members.size());
    for (Rollout r : members) {
      out.add(Advantages.sample(r, p));
    }
    return out;
  }
}
