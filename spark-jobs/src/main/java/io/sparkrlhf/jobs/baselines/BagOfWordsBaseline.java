package io.sparkrlhf.jobs.baselines;

import io.sparkrlhf.jobs.reward.PreferencePair;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;

/**
 * The second trivial baseline a preference learner must beat: a linear model of the responses' token
 * counts, {@code r(y) = w · bow(y)}, fit by logistic regression on the pairs' count differences,
 * {@code P(chosen ≻ rejected) = σ(w · (bow(chosen) − bow(rejected)))} (the prompt is shared, so it
 * cancels; no bias, so swapping the pair flips the prediction). What it scores on held-out pairs is
 * what word choice alone tells; a reward model that does not beat it has learnt nothing more.
 *
 * <p>Fit with AdaGrad over shuffled pairs and an L2 penalty; deterministic for a seed.
 */
public final class BagOfWordsBaseline implements java.io.Serializable {
  /** A pair's two responses, as token ids. */
  public record Responses(int[] chosen, int[] rejected) implements java.io.Serializable {}

  private final Map<Integer, Double> weights;

  private BagOfWordsBaseline(Map<Integer, Double> weights) {
    this.weights = weights;
  }

  public static BagOfWordsBaseline fit(List<Responses> train, int epochs, double learningRate, double l2, long seed) {
    Map<Integer, Double> w = new HashMap<>();
    Map<Integer, Double> squaredGradients = new HashMap<>();
    int[] order = new int[train.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int epoch = 0; epoch < epochs; epoch++) {
      shuffle(order, rnd);
      for (int i : order) {
        Map<Integer, Integer> x = countDifference(train.get(i));
        double margin = dot(w, x);
        double dLoss = -sigmoid(-margin); // d/d(margin) of -log σ(margin)
        for (Map.Entry<Integer, Integer> e : x.entrySet()) {
          double wi = w.getOrDefault(e.getKey(), 0.0);
          double g = dLoss * e.getValue() + l2 * wi;
          double g2 = squaredGradients.merge(e.getKey(), g * g, Double::sum);
          w.put(e.getKey(), wi - learningRate * g / (Math.sqrt(g2) + 1e-8));
        }
      }
    }
    return new BagOfWordsBaseline(w);
  }

  /** The default fit: 10 epochs, AdaGrad step 0.1, L2 1e-4, seed 42. */
  public static BagOfWordsBaseline fit(List<Responses> train) {
    return fit(train, 10, 0.1, 1e-4, 42L);
  }

  public double reward(int[] response) {
    double r = 0;
    for (int token : response) {
      r += weights.getOrDefault(token, 0.0);
    }
    return r;
  }

  /** 1 when the chosen response scores higher, 0.5 on a tie (as {@link LengthBaseline}), else 0. */
  public double score(Responses pair) {
    double d = reward(pair.chosen()) - reward(pair.rejected());
    return d > 0 ? 1 : d == 0 ? 0.5 : 0;
  }

  /** Held-out accuracy on {@code pairs}, scored on the executors. */
  public double accuracy(JavaRDD<PreferencePair> pairs) {
    return LengthBaseline.meanScore(pairs, p -> score(new Responses(p.chosen(), p.rejected())));
  }

  public double accuracy(List<Responses> pairs) {
    double sum = 0;
    for (Responses p : pairs) {
      sum += score(p);
    }
    return pairs.isEmpty() ? Double.NaN : sum / pairs.size();
  }

  private static Map<Integer, Integer> countDifference(Responses pair) {
    Map<Integer, Integer> x = new HashMap<>();
    for (int t : pair.chosen()) {
      x.merge(t, 1, Integer::sum);
    }
    for (int t : pair.rejected()) {
      x.merge(t, -1, Integer::sum);
    }
    x.values().removeIf(v -> v == 0);
    return x;
  }

  private static double dot(Map<Integer, Double> w, Map<Integer, Integer> x) {
    double s = 0;
    for (Map.Entry<Integer, Integer> e : x.entrySet()) {
      s += w.getOrDefault(e.getKey(), 0.0) * e.getValue();
    }
    return s;
  }

  private static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  private static void shuffle(int[] a, SplittableRandom rnd) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
