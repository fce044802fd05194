package io.sparkrlhf.model.transformer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder-only language model of either family, built from a {@link ModelConfig}: token (and,
 * for GPT-2, position) embeddings → layers → final norm → LM head (tied to the embeddings or not).
 *
 * <p>Attention sees a key only if it is causal, not padding ({@code attentionMask} = 0) and, when
 * {@code docIds} is given, in the same packed document. Positions count real tokens
 * (cumsum(mask) − 1), so a left-padded row gets the same positions as the unpadded sequence.
 */
public final class DecoderLM extends CompositeBlock {
  /** Masked scores: finite, so a row with nothing to attend (a pad query) stays NaN-free. */
  private static final float MASKED = -1e9f;

  private final ModelConfig config;
  private final Parameter tokenEmbedding;
  private final Parameter positionEmbedding;
  private final List<DecoderLayer> layers = new ArrayList<>();
  private final Norm finalNorm;
  private final Dense lmHead;
  private final Rotary rotary;
  private final DropoutKeys dropoutKeys = new DropoutKeys();

  /** logits (B, T, V), last hidden states (B, T, H) for value and reward heads, and the cache. */
  public record Output(NDArray logits, NDArray hidden, KvCache cache) {}

  public DecoderLM(ModelConfig config) {
    this.config = config;
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    tokenEmbedding = addParameter(Parameter.builder().setName(llama ? "embed_tokens" : "wte")
        .setType(Parameter.Type.WEIGHT).optShape(new Shape(config.vocabSize(), config.hiddenSize()))
        .optInitializer(new NormalInit(0.02f)).build());
    positionEmbedding = llama ? null : addParameter(Parameter.builder().setName("wpe").setType(Parameter.Type.WEIGHT)
        .optShape(new Shape(config.maxPositions(), config.hiddenSize())).optInitializer(new NormalInit(0.01f))
        .build());
    for (int i = 0; i < config.numLayers(); i++) {
      layers.add(addChildBlock("layer" + i, new DecoderLayer(config)));
    }
    finalNorm = addChildBlock("norm", llama ? Norm.rms(config.hiddenSize(), config.normEps())
        : Norm.layer(config.hiddenSize(), config.normEps()));
    lmHead = config.tieWordEmbeddings() ? null
        : addChildBlock("lm_head", new Dense(config.hiddenSize(), config.vocabSize(), false));
    rotary = llama ? new Rotary(config) : null;
  }

  public ModelConfig config() {
    return config;
  }

  /**
   * @param ids (B, T) int64 token ids
   * @param attentionMask (B, past + T), 1 for tokens and 0 for padding
   * @param docIds (B, past + T) packed-document ids, or null
   * @param past the cache from earlier steps, or null
   */
  public Output forward(ParameterStore ps, NDArray ids, NDArray attentionMask, NDArray docIds, KvCache past,
      boolean training) {
    return run(ps, ids, attentionMask, docIds, past, training, true);
  }

  /**
   * The last hidden states without the LM head (logits null): what reward and value heads read,
   * without the (B, T, V) projection that dominates a small model's cost.
   */
  public Output forwardHidden(ParameterStore ps, NDArray ids, NDArray attentionMask, NDArray docIds, boolean training) {
    return run(ps, ids, attentionMask, docIds, null, training, false);
  }

  /**
   * The last hidden states and the cache, without the LM head: generation then projects only the
   * positions it samples from, and PPO only the response positions ({@link #logits}).
   */
  public Output forwardHidden(ParameterStore ps, NDArray ids, NDArray attentionMask, NDArray docIds, KvCache past,
      boolean training) {
    return run(ps, ids, attentionMask, docIds, past, training, false);
  }

  /** The LM head on hidden states (…, H) → logits (…, V). */
  public NDArray logits(ParameterStore ps, NDArray hidden, boolean training) {
    if (lmHead != null) {
      return lmHead.forward(ps, new NDList(hidden), training).singletonOrThrow();
    }
    NDArray wte = ps.getValue(tokenEmbedding, hidden.getDevice(), training);
    return hidden.getNDArrayInternal().linear(hidden, wte, null).singletonOrThrow();
  }

  private Output run(ParameterStore ps, NDArray ids, NDArray attentionMask, NDArray docIds, KvCache past,
      boolean training, boolean withLogits) {
    long t = ids.getShape().get(1);
    long pastLength = past == null ? 0 : past.length();
    long total = pastLength + t;
    if (attentionMask.getShape().get(1) != total) {
      throw new IllegalArgumentException("attention mask covers " + attentionMask.getShape().get(1)
          + " positions, expected past " + pastLength + " + new " + t);
    }
    if (training) {
      dropoutKeys.beginForward();
    }
    boolean dynamicRope = config.ropeScaling() != null && config.ropeScaling().type().equals("dynamic");
    if (total > config.maxPositions() && !dynamicRope) { // dynamic NTK exists to run past it
      throw new IllegalArgumentException(
          "cannot run a sequence of length " + total + ": max_position_embeddings is " + config.maxPositions());
    }
    NDArray mask = attentionMask.toType(DataType.INT64, false);
    NDArray positions = (docIds == null ? mask.cumSum(1).sub(1).maximum(0) : documentPositions(mask, docIds))
        .get(new NDIndex(":, {}:", pastLength)); // (B, T)
    NDArray wte = ps.getValue(tokenEmbedding, ids.getDevice(), training);
    DataType dtype = wte.getDataType();
    // Kept in float32 and added to widened scores: -1e9 would be -inf in fp16 (NaN for pad rows).
    NDArray bias = attentionBias(mask, docIds, pastLength, t, config.slidingWindow()); // (B, 1, T, S)

    NDArray x = ids.getNDArrayInternal().embedding(ids, wte, SparseFormat.DENSE).singletonOrThrow(); // (B, T, H)
    NDArray cos = null;
    NDArray sin = null;
    if (rotary != null) {
      NDList cs = rotary.cosSin(positions); // angles in float32, then the model's precision
      cos = cs.get(0).toType(dtype, false);
      sin = cs.get(1).toType(dtype, false);
    } else {
      NDArray wpe = ps.getValue(positionEmbedding, ids.getDevice(), training);
      x = x.add(positions.getNDArrayInternal().embedding(positions, wpe, SparseFormat.DENSE).singletonOrThrow());
    }
    List<NDArray> keys = new ArrayList<>(layers.size());
    List<NDArray> values = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      Attention.Result r = layers.get(i).forward(ps, x, bias, cos, sin,
          past == null ? null : past.keys().get(i), past == null ? null : past.values().get(i), training);
      x = r.output();
      keys.add(r.keys());
      values.add(r.values());
    }
    NDArray hidden = finalNorm.forward(ps, new NDList(x), training).singletonOrThrow(); // (B, T, H)
    if (!withLogits) {
      return new Output(null, hidden, new KvCache(keys, values));
    }
    return new Output(logits(ps, hidden, training), hidden, new KvCache(keys, values)); // logits (B, T, V)
  }

  /** In packed blocks each document counts its positions from 0, as it would alone. (B, S) */
  private static NDArray documentPositions(NDArray mask, NDArray docIds) {
    long rows = mask.getShape().get(0);
    int s = (int) mask.getShape().get(1);
    long[] m = mask.toLongArray();
    long[] d = docIds.toType(DataType.INT64, false).toLongArray();
    long[] positions = new long[m.length];
    for (int b = 0; b < rows; b++) {
      java.util.Map<Long, Long> seen = new java.util.HashMap<>();
      for (int i = b * s; i < (b + 1) * s; i++) {
        if (m[i] == 1) {
          positions[i] = seen.merge(d[i], 1L, Long::sum) - 1;
        }
      }
    }
    return mask.getManager().create(positions, mask.getShape());
  }

  /**
   * Additive mask (B, 1, T, S): 0 where query t may see key s, MASKED elsewhere. With a sliding
   * window w (Mistral), key s is seen only when query − s < w: the query and the w − 1 before it.
   */
  private static NDArray attentionBias(NDArray mask, NDArray docIds, long pastLength, long t, Integer window) {
    NDManager m = mask.getManager();
    long s = mask.getShape().get(1);
    NDArray queryAt = m.arange(pastLength, pastLength + t).toType(DataType.INT64, false).expandDims(1); // (T, 1)
    NDArray keyAt = m.arange(0L, s).toType(DataType.INT64, false).expandDims(0); // (1, S)
    NDArray visible = keyAt.lte(queryAt); // (T, S) causal
    if (window != null && pastLength + t > window) {
      visible = visible.logicalAnd(keyAt.gt(queryAt.sub(window)));
    }
    NDArray allowed = visible.expandDims(0).expandDims(0) // (1, 1, T, S)
        .logicalAnd(mask.eq(1).expandDims(1).expandDims(1)); // keys that are tokens
    if (docIds != null) {
      NDArray queryDoc = docIds.get(new NDIndex(":, {}:", pastLength)).expandDims(1).expandDims(3); // (B, 1, T, 1)
      allowed = allowed.logicalAnd(queryDoc.eq(docIds.expandDims(1).expandDims(1))); // same document
    }
    return allowed.logicalNot().toType(DataType.FLOAT32, false).mul(MASKED);
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    Output out = forward(ps, in.get(0), in.get(1), in.size() > 2 ? in.get(2) : null, null, training);
    return new NDList(out.logits(), out.hidden());
  }

  /** float32 (CPU), float64 (gradient checks) or float16 (GPU); bfloat16 is refused, see {@link Precision}. */
  @Override
  public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
    Precision.requireSupported(dataType);
    super.initialize(manager, dataType, inputShapes);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape ids = inputs[0];
    return new Shape[] {ids.add(config.vocabSize()), ids.add(config.hiddenSize())};
  }

  /** The linear layers of attention and MLP by Hugging Face module name, in layer order. */
  public java.util.Map<String, Dense> linearModules() {
    java.util.Map<String, Dense> out = new java.util.LinkedHashMap<>();
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    String root = llama ? "model" : "transformer";
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).modules(root + (llama ? ".layers." : ".h.") + i, out);
    }
    return out;
  }

  /**
   * Adds LoRA adapters to every module whose last name part is a target (q_proj, c_attn, ...) and
   * freezes every other parameter. Returns the modules adapted.
   */
  public List<String> enableLora(LoraConfig lora, NDManager manager, DataType dtype, long seed) {
    java.util.Map<String, Dense> modules = linearModules();
    java.util.Set<String> available = new java.util.TreeSet<>();
    modules.keySet().forEach(name -> available.add(name.substring(name.lastIndexOf('.') + 1)));
    for (String target : lora.targetModules()) {
      if (!available.contains(target)) {
        throw new IllegalArgumentException("LoRA target module '" + target + "' is not in this " + config.modelType()
            + " model; its modules are " + available);
      }
    }
    for (HfParameter p : hfParameters()) {
      p.parameter().freeze(true);
    }
    java.util.Random rnd = new java.util.Random(seed);
    List<String> adapted = new ArrayList<>();
    for (java.util.Map.Entry<String, Dense> e : modules.entrySet()) {
      if (lora.targetModules().contains(e.getKey().substring(e.getKey().lastIndexOf('.') + 1))) {
        e.getValue().attachLora(lora.rank(), lora.alpha(), lora.dropout(), dropoutKeys, adapted.size(), manager, dtype,
            rnd);
        adapted.add(e.getKey());
      }
    }
    return adapted;
  }

  /**
   * The key of the next training passes' LoRA dropout masks, set per micro-batch: each mask is a
   * function of it, the pass within the micro-batch and the module (see {@link DropoutMasks}).
   */
  public void seedDropout(long key) {
    dropoutKeys.seed(key);
  }

  /** The adapters' parameters under PEFT's names ({@code base_model.model.<module>.lora_A.weight}). */
  public List<HfParameter> loraParameters() {
    List<HfParameter> out = new ArrayList<>();
    for (java.util.Map.Entry<String, Dense> e : linearModules().entrySet()) {
      e.getValue().loraParameters("base_model.model." + e.getKey(), out);
    }
    return out;
  }

  /** Off: the base model alone (PPO's reference policy, without a second copy in memory). */
  public void setAdaptersEnabled(boolean enabled) {
    linearModules().values().forEach(d -> d.setLoraEnabled(enabled));
  }

  /** Folds every adapter into its base weight (for export to transformers or vLLM). */
  public void mergeAdapters() {
    linearModules().values().forEach(Dense::mergeLora);
  }

  /** Every parameter under its Hugging Face name, in checkpoint order. */
  public List<HfParameter> hfParameters() {
    List<HfParameter> out = new ArrayList<>();
    boolean llama = config.family() == ModelConfig.Family.LLAMA;
    String root = llama ? "model" : "transformer";
    out.add(new HfParameter(root + (llama ? ".embed_tokens.weight" : ".wte.weight"), tokenEmbedding, false));
    if (positionEmbedding != null) {
      out.add(new HfParameter(root + ".wpe.weight", positionEmbedding, false));
    }
    for (int i = 0; i < layers.size(); i++) {
      layers.get(i).hfParameters(root + (llama ? ".layers." : ".h.") + i, out);
    }
    finalNorm.hfParameters(root + (llama ? ".norm" : ".ln_f"), out);
    if (lmHead != null) {
      lmHead.hfParameters("lm_head", false, out);
    }
    return out;
  }
}
