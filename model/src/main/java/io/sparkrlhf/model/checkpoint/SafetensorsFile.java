package io.sparkrlhf.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file tensor by tensor: the header is parsed once, each tensor is
 * read with positioned reads in chunks, so files (and offsets) beyond 2 GiB work and memory holds
 * one tensor at a time. The header is checked up front: known dtypes, sizes that match shapes,
 * offsets that tile the data section exactly.
 */
public final class SafetensorsFile implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The reference implementation's cap; a larger header is a corrupt or hostile file. */
  static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
  private static final int CHUNK = 1 << 22;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
      Map<String, String> metadata) {
    this.path = path;
    this.channel = channel;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  public static SafetensorsFile open(Path path) throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      long size = channel.size();
      if (size < 8) {
        throw new IllegalArgumentException(path + ": " + size + " bytes is too short for a safetensors file");
      }
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(channel, len, 0, path);
      long headerBytes = len.flip().getLong();
      if (headerBytes <= 0 || headerBytes > MAX_HEADER_BYTES || headerBytes > size - 8) {
        throw new IllegalArgumentException(path + ": header length " + headerBytes + " is impossible for a file of "
            + size + " bytes (not safetensors, or truncated)");
      }
      ByteBuffer header = ByteBuffer.allocate((int) headerBytes);
      readFully(channel, header, 8, path);
      JsonNode root;
      try {
        root = JSON.readTree(header.array());
      } catch (IOException e) {
        throw new IllegalArgumentException(path + ": header is not valid JSON: " + e.getMessage(), e);
      }
      if (root == null || !root.isObject()) {
        throw new IllegalArgumentException(path + ": header is not a JSON object");
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      Map<String, TensorInfo> tensors = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        } else {
          tensors.put(e.getKey(), info(e.getKey(), e.getValue(), path));
        }
      }
      checkTiling(tensors.values(), size - 8 - headerBytes, path);
      return new SafetensorsFile(path, channel, 8 + headerBytes, Collections.unmodifiableMap(tensors),
          Collections.unmodifiableMap(metadata));
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static TensorInfo info(String name, JsonNode node, Path path) {
    String where = path + ": tensor '" + name + "'";
    JsonNode offsets = node.path("data_offsets");
    JsonNode shape = node.path("shape");
    if (!node.path("dtype").isTextual() || !shape.isArray() || !offsets.isArray() || offsets.size() != 2) {
      throw new IllegalArgumentException(where + " needs dtype, shape and data_offsets [begin, end]");
    }
    DType dtype = DType.of(node.get("dtype").asText(), where);
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = shape.get(i).asLong(-1);
      if (dims[i] < 0) {
        throw new IllegalArgumentException(where + ": shape " + shape + " has a negative or non-integer size");
      }
    }
    TensorInfo info = new TensorInfo(name, dtype, dims, offsets.get(0).asLong(), offsets.get(1).asLong());
    long expected = Math.multiplyExact(info.elements(), dtype.bytes());
    if (info.begin() < 0 || info.end() < info.begin() || info.bytes() != expected) {
      throw new IllegalArgumentException(where + ": data_offsets " + offsets + " hold " + info.bytes()
          + " bytes but " + dtype + shape + " needs " + expected);
    }
    return info;
  }

  /** Tensors must cover the data section exactly, in order, without gaps or overlaps. */
  private static void checkTiling(Iterable<TensorInfo> infos, long dataBytes, Path path) {
    List<TensorInfo> sorted = new ArrayList<>();
    infos.forEach(sorted::add);
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    long at = 0;
    for (TensorInfo t : sorted) {
      if (t.begin() != at) {
        throw new IllegalArgumentException(path + ": tensor '" + t.name() + "' starts at " + t.begin()
            + " but the previous one ends at " + at + " (gap or overlap)");
      }
      at = t.end();
    }
    if (at != dataBytes) {
      throw new IllegalArgumentException(path + ": tensors cover " + at + " bytes but the data section has "
          + dataBytes + " (truncated or trailing bytes)");
    }
  }

  public Path path() {
    return path;
  }

  /** Tensor entries in header order. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public TensorInfo info(String name) {
    TensorInfo t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(path + " has no tensor '" + name + "'");
    }
    return t;
  }

  /** The tensor's values as float32, in row-major order. */
  public float[] readFloats(String name) throws IOException {
    TensorInfo t = info(name);
    if (t.elements() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(path + ": tensor '" + name + "' has " + t.elements()
          + " elements, more than one Java array holds; read it in slices");
    }
    float[] out = new float[(int) t.elements()];
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(t.bytes(), 1))).order(ByteOrder.LITTLE_ENDIAN);
    long pos = dataStart + t.begin();
    int filled = 0;
    while (filled < out.length) {
      int n = (int) Math.min(buf.capacity() / t.dtype().bytes(), out.length - filled);
      buf.clear().limit(n * t.dtype().bytes());
      readFully(channel, buf, pos, path);
      buf.flip();
      switch (t.dtype()) {
        case F32 -> buf.asFloatBuffer().get(out, filled, n);
        case F16 -> {
          for (int i = 0; i < n; i++) {
            out[filled + i] = HalfFloats.f16ToFloat(buf.getShort());
          }
        }
        case BF16 -> {
          for (int i = 0; i < n; i++) {
            out[filled + i] = HalfFloats.bf16ToFloat(buf.getShort());
          }
        }
      }
      filled += n;
      pos += (long) n * t.dtype().bytes();
    }
    return out;
  }

  private static void readFully(FileChannel channel, ByteBuffer buf, long position, Path path) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new EOFException(path + ": unexpected end of file at byte " + pos);
      }
      pos += n;
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
