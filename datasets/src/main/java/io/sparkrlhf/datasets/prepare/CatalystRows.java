package io.sparkrlhf.datasets.prepare;

import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * Spark SQL's own row values, built directly. A {@code Row} holding an {@code int[]} is converted
 * element by element, each id boxed on the way (a tenth of prepare's CPU); here token ids go in as
 * one primitive copy. Values must match the schema exactly: {@code Long}, {@code Integer},
 * {@link UTF8String}, {@link ArrayData}, nested {@link InternalRow}s.
 */
final class CatalystRows {
  private CatalystRows() {}

  static InternalRow row(Object... values) {
    return new GenericInternalRow(values);
  }

  static ArrayData ints(int[] values) {
    return values == null ? null : UnsafeArrayData.fromPrimitiveArray(values);
  }

  static UTF8String string(String value) {
    return value == null ? null : UTF8String.fromString(value);
  }

  static ArrayData array(Object[] values) {
    return new GenericArrayData(values);
  }

  static ArrayBasedMapData stringToLong(Map<String, Long> map) {
    Object[] keys = new Object[map.size()];
    Object[] values = new Object[map.size()];
    int i = 0;
    for (Map.Entry<String, Long> e : map.entrySet()) {
      keys[i] = UTF8String.fromString(e.getKey());
      values[i++] = e.getValue();
    }
    return new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values));
  }

  /** A DataFrame over rows already in Spark's form (Spark's own internal entry point; no conversion). */
  static Dataset<Row> dataFrame(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema) {
    return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows.rdd(), schema, false);
  }

  /** The rows of a DataFrame in Spark's form, for reading arrays as primitive arrays. */
  static JavaRDD<InternalRow> internalRows(Dataset<Row> frame) {
    return ((org.apache.spark.sql.classic.Dataset<Row>) frame).queryExecution().toRdd().toJavaRDD();
  }
}
