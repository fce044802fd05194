package io.sparkrlhf.model.transformer;

import io.sparkrlhf.model.config.ModelConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * The same decoder written out plainly in Java doubles from the HF weights (in HF layout), one
 * row at a time: the independent reference the DJL model must match. Only positions with
 * mask = 1 are meaningful.
 */
final class ReferenceDecoder {
  private final ModelConfig c;
  private final Map<String, float[]> w;
  private final boolean llama;
  private final String root;

  /** inverse frequencies of rotary (headDim/2), then the factor cos and sin are multiplied by. */
  private double[] rope;

  ReferenceDecoder(ModelConfig config, Map<String, float[]> hfWeights) {
    this.c = config;
    this.w = hfWeights;
    this.llama = config.family() == ModelConfig.Family.LLAMA;
    this.root = llama ? "model" : "transformer";
  }

  /** logits [B][T][V]; docIds may be null. */
  double[][][] logits(int[][] ids, int[][] mask, int[][] docIds) {
    int longest = 0; // dynamic NTK rope reads the longest position of the whole batch
    for (int[] m : mask) {
      longest = Math.max(longest, java.util.Arrays.stream(m).sum());
    }
    rope = llama ? ReferenceRope.frequencies(c, longest) : null;
    double[][][] out = new double[ids.length][][];
    for (int b = 0; b < ids.length; b++) {
      out[b] = row(ids[b], mask[b], docIds == null ? null : docIds[b]);
    }
    return out;
  }

  private double[][] row(int[] ids, int[] mask, int[] doc) {
    int t = ids.length;
    int h = c.hiddenSize();
    int[] pos = new int[t];
    Map<Integer, Integer> seen = new HashMap<>();
    int count = 0;
    for (int i = 0; i < t; i++) {
      if (mask[i] == 1) {
        pos[i] = doc == null ? count++ : seen.merge(doc[i], 1, Integer::sum) - 1;
      } else {
        pos[i] = Math.max(count - 1, 0);
      }
    }
    double[][] x = new double[t][h];
    float[] wte = w.get(root + (llama ? ".embed_tokens.weight" : ".wte.weight"));
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < h; j++) {
        x[i][j] = wte[ids[i] * h + j] + (llama ? 0 : w.get(root + ".wpe.weight")[pos[i] * h + j]);
      }
    }
    for (int layer = 0; layer < c.numLayers(); layer++) {
      String p = root + (llama ? ".layers." : ".h.") + layer;
      double[][] a = attention(norm(x, p + (llama ? ".input_layernorm" : ".ln_1")), p, mask, doc, pos);
      add(x, a);
      double[][] m = mlp(norm(x, p + (llama ? ".post_attention_layernorm" : ".ln_2")), p + ".mlp");
      add(x, m);
    }
    double[][] n = norm(x, root + (llama ? ".norm" : ".ln_f"));
    float[] head = c.tieWordEmbeddings() ? wte : w.get("lm_head.weight");
    return linear(n, head, null, c.vocabSize(), false);
  }

  private double[][] attention(double[][] x, String p, int[] mask, int[] doc, int[] pos) {
    int t = x.length;
    int hd = c.headDim();
    int heads = c.numHeads();
    int kvHeads = c.numKvHeads();
    double[][] q;
    double[][] k;
    double[][] v;
    if (llama) {
      String a = p + ".self_attn";
      q = linear(x, w.get(a + ".q_proj.weight"), w.get(a + ".q_proj.bias"), heads * hd, false);
      k = linear(x, w.get(a + ".k_proj.weight"), w.get(a + ".k_proj.bias"), kvHeads * hd, false);
      v = linear(x, w.get(a + ".v_proj.weight"), w.get(a + ".v_proj.bias"), kvHeads * hd, false);
      if (c.qkNorm()) {
        headNorm(q, heads, w.get(a + ".q_norm.weight"));
        headNorm(k, kvHeads, w.get(a + ".k_norm.weight"));
      }
      rope(q, heads, pos);
      rope(k, kvHeads, pos);
    } else {
      double[][] qkv = linear(x, w.get(p + ".attn.c_attn.weight"), w.get(p + ".attn.c_attn.bias"), 3 * c.hiddenSize(), true);
      q = slice(qkv, 0, c.hiddenSize());
      k = slice(qkv, c.hiddenSize(), c.hiddenSize());
      v = slice(qkv, 2 * c.hiddenSize(), c.hiddenSize());
    }
    double[][] merged = new double[t][heads * hd];
    for (int head = 0; head < heads; head++) {
      int kvh = head / (heads / kvHeads);
      for (int i = 0; i < t; i++) {
        double[] scores = new double[t];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s <= i; s++) {
          boolean ok = mask[s] == 1 && (doc == null || doc[s] == doc[i])
              && (c.slidingWindow() == null || i - s < c.slidingWindow());
          if (!ok) {
            scores[s] = Double.NEGATIVE_INFINITY;
            continue;
          }
          double dot = 0;
          for (int d = 0; d < hd; d++) {
            dot += q[i][head * hd + d] * k[s][kvh * hd + d];
          }
          scores[s] = dot / Math.sqrt(hd);
          max = Math.max(max, scores[s]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
          continue; // a pad query sees nothing; its output is not compared
        }
        double sum = 0;
        for (int s = 0; s <= i; s++) {
          scores[s] = Math.exp(scores[s] - max);
          sum += scores[s];
        }
        for (int s = 0; s <= i; s++) {
          for (int d = 0; d < hd; d++) {
            merged[i][head * hd + d] += scores[s] / sum * v[s][kvh * hd + d];
          }
        }
      }
    }
    return llama
        ? linear(merged, w.get(p + ".self_attn.o_proj.weight"), w.get(p + ".self_attn.o_proj.bias"), c.hiddenSize(), false)
        : linear(merged, w.get(p + ".attn.c_proj.weight"), w.get(p + ".attn.c_proj.bias"), c.hiddenSize(), true);
  }

  /**
   * x'[i] = (x[i]cos − x[i+half]sin)·m; x'[i+half] = (x[i+half]cos + x[i]sin)·m, angle = pos·inv[i],
   * m the attention factor.
   */
  private void rope(double[][] x, int heads, int[] pos) {
    int hd = c.headDim();
    int half = hd / 2;
    double m = rope[half];
    for (int t = 0; t < x.length; t++) {
      for (int head = 0; head < heads; head++) {
        for (int i = 0; i < half; i++) {
          double angle = pos[t] * rope[i];
          double a = x[t][head * hd + i];
          double b = x[t][head * hd + i + half];
          x[t][head * hd + i] = (a * Math.cos(angle) - b * Math.sin(angle)) * m;
          x[t][head * hd + i + half] = (b * Math.cos(angle) + a * Math.sin(angle)) * m;
        }
      }
    }
  }

  /** RMSNorm over each head's slice of a row (Qwen3's q_norm / k_norm). */
  private void headNorm(double[][] x, int heads, float[] g) {
    int hd = c.headDim();
    for (double[] row : x) {
      for (int head = 0; head < heads; head++) {
        double sq = 0;
        for (int d = 0; d < hd; d++) {
          sq += row[head * hd + d] * row[head * hd + d] / hd;
        }
        for (int d = 0; d < hd; d++) {
          row[head * hd + d] = row[head * hd + d] / Math.sqrt(sq + c.normEps()) * g[d];
        }
      }
    }
  }

  private double[][] mlp(double[][] x, String p) {
    if (llama) {
      double[][] g = linear(x, w.get(p + ".gate_proj.weight"), w.get(p + ".gate_proj.bias"), c.intermediateSize(), false);
      double[][] u = linear(x, w.get(p + ".up_proj.weight"), w.get(p + ".up_proj.bias"), c.intermediateSize(), false);
      for (int t = 0; t < g.length; t++) {
        for (int j = 0; j < g[t].length; j++) {
          g[t][j] = g[t][j] / (1 + Math.exp(-g[t][j])) * u[t][j];
        }
      }
      return linear(g, w.get(p + ".down_proj.weight"), w.get(p + ".down_proj.bias"), c.hiddenSize(), false);
    }
    double[][] u = linear(x, w.get(p + ".c_fc.weight"), w.get(p + ".c_fc.bias"), c.intermediateSize(), true);
    for (double[] row : u) {
      for (int j = 0; j < row.length; j++) {
        double z = row[j];
        row[j] = 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
      }
    }
    return linear(u, w.get(p + ".c_proj.weight"), w.get(p + ".c_proj.bias"), c.hiddenSize(), true);
  }

  private double[][] norm(double[][] x, String p) {
    float[] g = w.get(p + ".weight");
    float[] bias = w.get(p + ".bias");
    double[][] out = new double[x.length][x[0].length];
    for (int t = 0; t < x.length; t++) {
      int n = x[t].length;
      double mean = 0;
      double sq = 0;
      for (double v : x[t]) {
        mean += v / n;
        sq += v * v / n;
      }
      for (int j = 0; j < n; j++) {
        out[t][j] = llama
            ? x[t][j] / Math.sqrt(sq + c.normEps()) * g[j]
            : (x[t][j] - mean) / Math.sqrt(sq - mean * mean + c.normEps()) * g[j] + bias[j];
      }
    }
    return out;
  }

  /** conv1d: weight [in][out] (GPT-2); otherwise [out][in]. */
  private static double[][] linear(double[][] x, float[] weight, float[] bias, int out, boolean conv1d) {
    int in = x[0].length;
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          s += x[t][i] * (conv1d ? weight[i * out + o] : weight[o * in + i]);
        }
        y[t][o] = s;
      }
    }
    return y;
  }

  private static double[][] slice(double[][] x, int from, int n) {
    double[][] out = new double[x.length][n];
    for (int t = 0; t < x.length; t++) {
      System.arraycopy(x[t], from, out[t], 0, n);
    }
    return out;
  }

  private static void add(double[][] x, double[][] y) {
    for (int t = 0; t < x.length; t++) {
      for (int j = 0; j < x[t].length; j++) {
        x[t][j] += y[t][j];
      }
    }
  }
}
