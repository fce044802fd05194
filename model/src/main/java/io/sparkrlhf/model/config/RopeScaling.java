package io.sparkrlhf.model.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A {@code rope_scaling} block of {@code config.json}: how the rotary inverse frequencies are
 * stretched for contexts longer than pre-training, with transformers' definitions
 * ({@code modeling_rope_utils}). Null fields are keys the file did not give.
 *
 * <ul>
 *   <li>{@code linear}: every frequency divided by {@code factor}.
 *   <li>{@code dynamic} (NTK): the base grows with the longest position of the sequence once it
 *       passes {@code max_position_embeddings}: θ' = θ·(f·L/M − (f − 1))^(d/(d−2)).
 *   <li>{@code llama3} (Llama 3.1+): wavelengths above {@code original/low_freq_factor} are divided
 *       by {@code factor}, those below {@code original/high_freq_factor} kept, those between
 *       blended linearly in {@code original/wavelength}.
 *   <li>{@code yarn}: a ramp between interpolated (÷ factor) and original frequencies over the
 *       dimensions between the β_fast and β_slow correction dims; cos and sin are multiplied by
 *       the attention factor (0.1·ln f + 1 unless given).
 * </ul>
 */
public record RopeScaling(
    String type,
    double factor,
    Double lowFreqFactor,
    Double highFreqFactor,
    Integer originalMaxPositions,
    Double attentionFactor,
    Double betaFast,
    Double betaSlow,
    Double mscale,
    Double mscaleAllDim,
    Boolean truncate) {

  public static final Set<String> TYPES = Set.of("linear", "dynamic", "llama3", "yarn");

  private static final Map<String, Set<String>> KEYS = Map.of(
      "linear", Set.of("factor"),
      "dynamic", Set.of("factor", "original_max_position_embeddings"),
      "llama3", Set.of("factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"),
      "yarn", Set.of("factor", "original_max_position_embeddings", "attention_factor", "beta_fast", "beta_slow",
          "mscale", "mscale_all_dim", "truncate"));

  /**
   * Reads {@code rope_scaling}; null for an absent or null block or {@code rope_type: default}.
   * Unknown types and keys are errors naming them, raised before any weight is read.
   */
  static RopeScaling fromJson(JsonNode node) {
    return fromJson(node, "rope_scaling");
  }

  /** @param key the block's name in config.json, for messages (transformers v5 writes rope_parameters) */
  static RopeScaling fromJson(JsonNode node, String key) {
    try {
      return parse(node);
    } catch (IllegalArgumentException e) {
      throw key.equals("rope_scaling") ? e
          : new IllegalArgumentException(e.getMessage().replace("rope_scaling", key), e);
    }
  }

  private static RopeScaling parse(JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("rope_scaling must be an object or null, found " + node);
    }
    // "type" is the older spelling of "rope_type" (Qwen2.5's YaRN example still uses it).
    JsonNode typeNode = node.has("rope_type") ? node.get("rope_type") : node.get("type");
    if (typeNode == null || !typeNode.isTextual()) {
      throw new IllegalArgumentException("rope_scaling.rope_type is missing in " + node);
    }
    String type = typeNode.asText().toLowerCase(Locale.ROOT);
    if (type.equals("default")) {
      return null;
    }
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("rope_scaling.rope_type '" + typeNode.asText()
          + "' is not supported (supported: default, " + String.join(", ", new java.util.TreeSet<>(TYPES)) + ")");
    }
    Set<String> allowed = KEYS.get(type);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("rope_type") && !key.equals("type") && !allowed.contains(key)) {
        throw new IllegalArgumentException("rope_scaling." + key + " is not supported for rope_type '" + type
            + "' (known keys: " + new java.util.TreeSet<>(allowed) + ")");
      }
    }
    JsonNode f = node.get("factor");
    if (f == null || !f.isNumber()) {
      throw new IllegalArgumentException("rope_scaling.factor is missing or not a number for rope_type '" + type + "'");
    }
    double factor = f.asDouble();
    if (factor < 1.0 && !type.equals("linear")) {
      throw new IllegalArgumentException("rope_scaling.factor must be >= 1 for rope_type '" + type + "', found " + factor);
    }
    if (factor <= 0) {
      throw new IllegalArgumentException("rope_scaling.factor must be positive, found " + factor);
    }
    RopeScaling r = new RopeScaling(type, factor, number(node, "low_freq_factor"), number(node, "high_freq_factor"),
        integer(node, "original_max_position_embeddings"), number(node, "attention_factor"), number(node, "beta_fast"),
        number(node, "beta_slow"), number(node, "mscale"), number(node, "mscale_all_dim"),
        node.has("truncate") ? node.get("truncate").asBoolean() : null);
    if (type.equals("llama3")) {
      for (String key : new String[] {"low_freq_factor", "high_freq_factor", "original_max_position_embeddings"}) {
        if (!node.has(key)) {
          throw new IllegalArgumentException("rope_scaling." + key + " is required for rope_type 'llama3'");
        }
      }
      if (r.highFreqFactor() <= r.lowFreqFactor()) {
        throw new IllegalArgumentException("rope_scaling.high_freq_factor (" + r.highFreqFactor()
            + ") must be greater than low_freq_factor (" + r.lowFreqFactor() + ")");
      }
    }
    return r;
  }

  void writeTo(ObjectNode out) {
    out.put("rope_type", type);
    out.put("factor", factor);
    putIf(out, "low_freq_factor", lowFreqFactor);
    putIf(out, "high_freq_factor", highFreqFactor);
    if (originalMaxPositions != null) {
      out.put("original_max_position_embeddings", originalMaxPositions);
    }
    putIf(out, "attention_factor", attentionFactor);
    putIf(out, "beta_fast", betaFast);
    putIf(out, "beta_slow", betaSlow);
    putIf(out, "mscale", mscale);
    putIf(out, "mscale_all_dim", mscaleAllDim);
    if (truncate != null) {
      out.put("truncate", truncate);
    }
  }

  /**
   * The inverse frequencies (headDim/2 of them) for a sequence whose positions reach
   * {@code longestSequence} (only {@code dynamic} depends on it) and the factor cos and sin are
   * multiplied by, in that order: {@code [inv_0 … inv_{d/2−1}, attentionScaling]}.
   *
   * @param scaling null for plain rotary
   */
  public static double[] inverseFrequencies(RopeScaling scaling, int headDim, double theta, int maxPositions,
      long longestSequence) {
    int half = headDim / 2;
    double[] out = new double[half + 1];
    double base = theta;
    if (scaling != null && scaling.type.equals("dynamic") && longestSequence > maxPositions) {
      double f = scaling.factor;
      base = theta * Math.pow(f * longestSequence / maxPositions - (f - 1), headDim / (headDim - 2.0));
    }
    for (int i = 0; i < half; i++) {
      out[i] = 1.0 / Math.pow(base, 2.0 * i / headDim);
    }
    out[half] = 1.0;
    if (scaling == null) {
      return out;
    }
    switch (scaling.type) {
      case "linear" -> {
        for (int i = 0; i < half; i++) {
          out[i] /= scaling.factor;
        }
      }
      case "llama3" -> scaling.llama3(out, half);
      case "yarn" -> out[half] = scaling.yarn(out, headDim, theta, maxPositions);
      default -> { } // dynamic: done through the base
    }
    return out;
  }

  private void llama3(double[] inv, int half) {
    double original = originalMaxPositions;
    double lowWavelength = original / lowFreqFactor; // longer than this: fully interpolated
    double highWavelength = original / highFreqFactor; // shorter than this: kept
    for (int i = 0; i < half; i++) {
      double wavelength = 2 * Math.PI / inv[i];
      if (wavelength > lowWavelength) {
        inv[i] /= factor;
      } else if (wavelength >= highWavelength) {
        double smooth = (original / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
      }
    }
  }

  /** Blends inv (holding the plain frequencies) in place; returns the attention factor. */
  private double yarn(double[] inv, int dim, double theta, int maxPositions) {
    int original = originalMaxPositions != null ? originalMaxPositions : maxPositions;
    double fast = betaFast != null && betaFast != 0 ? betaFast : 32;
    double slow = betaSlow != null && betaSlow != 0 ? betaSlow : 1;
    double low = correctionDim(fast, dim, theta, original);
    double high = correctionDim(slow, dim, theta, original);
    if (truncate == null || truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, dim - 1);
    if (low == high) {
      high += 0.001; // as transformers: avoids dividing by zero
    }
    for (int i = 0; i < dim / 2; i++) {
      double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
      double keep = 1 - ramp; // share of the original (extrapolated) frequency
      inv[i] = inv[i] / factor * (1 - keep) + inv[i] * keep;
    }
    if (attentionFactor != null) {
      return attentionFactor;
    }
    if (mscale != null && mscale != 0 && mscaleAllDim != null && mscaleAllDim != 0) {
      return yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim);
    }
    return yarnMscale(factor, 1);
  }

  /** The dimension at which a frequency makes {@code rotations} turns over {@code positions}. */
  private static double correctionDim(double rotations, int dim, double theta, int positions) {
    return dim * Math.log(positions / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
  }

  private static double yarnMscale(double scale, double m) {
    return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
  }

  private static Double number(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException("rope_scaling." + key + " must be a number, found " + v);
    }
    return v.asDouble();
  }

  private static Integer integer(JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToInt()) {
      throw new IllegalArgumentException("rope_scaling." + key + " must be an integer, found " + v);
    }
    return v.asInt();
  }

  private static void putIf(ObjectNode out, String key, Double v) {
    if (v != null) {
      out.put(key, v);
    }
  }
}
