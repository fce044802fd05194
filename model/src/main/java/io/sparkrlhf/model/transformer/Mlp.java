package io.sparkrlhf.model.transformer;

import io.sparkrlhf.model.ops.Scalars;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.sparkrlhf.model.config.ModelConfig;
import java.util.List;

/** LLaMA's SwiGLU, down(silu(gate(x)) ⊙ up(x)), or GPT-2's c_proj(gelu_tanh(c_fc(x))). */
public final class Mlp extends CompositeBlock {
  private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

  private final Dense gate;
  private final Dense up;
  private final Dense down;

  Mlp(ModelConfig config) {
    int h = config.hiddenSize();
    int inner = config.intermediateSize();
    if (config.family() == ModelConfig.Family.LLAMA) {
      gate = addChildBlock("gate_proj", new Dense(h, inner, config.mlpBias()));
      up = addChildBlock("up_proj", new Dense(h, inner, config.mlpBias()));
      down = addChildBlock("down_proj", new Dense(inner, h, config.mlpBias()));
    } else {
      gate = null;
      up = addChildBlock("c_fc", new Dense(h, inner, true));
      down = addChildBlock("c_proj", new Dense(inner, h, true));
    }
  }

  @Override
  protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    NDArray x = in.singletonOrThrow(); // (B, T, H)
    NDArray u = up.forward(ps, in, training).singletonOrThrow(); // (B, T, inner)
    NDArray hidden;
    if (gate != null) {
      NDArray g = gate.forward(ps, in, training).singletonOrThrow();
      hidden = g.mul(Scalars.pow(g.neg().exp().add(1), -1)).mul(u); // silu(g) = g·σ(g)
    } else {
      // GELU, tanh approximation: ½u(1 + tanh(√(2/π)(u + 0.044715u³)))
      hidden = Scalars.mul(u, 0.5).mul(Scalars.mul(u.add(Scalars.mul(Scalars.pow(u, 3), 0.044715)), SQRT_2_OVER_PI).tanh().add(1));
    }
    return down.forward(ps, new NDList(hidden), training); // (B, T, H)
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return inputs;
  }

  void modules(String prefix, java.util.Map<String, Dense> out) {
    if (gate != null) {
      out.put(prefix + ".gate_proj", gate);
      out.put(prefix + ".up_proj", up);
      out.put(prefix + ".down_proj", down);
    } else {
      out.put(prefix + ".c_fc", up);
      out.put(prefix + ".c_proj", down);
    }
  }

  void hfParameters(String prefix, List<HfParameter> out) {
    if (gate != null) {
      gate.hfParameters(prefix + ".gate_proj", false, out);
      up.hfParameters(prefix + ".up_proj", false, out);
      down.hfParameters(prefix + ".down_proj", false, out);
    } else {
      up.hfParameters(prefix + ".c_fc", true, out);
      down.hfParameters(prefix + ".c_proj", true, out);
    }
  }
}
