package io.sparkrlhf.datasets.tables;

import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.createArrayType;
import static org.apache.spark.sql.types.DataTypes.createStructField;
import static org.apache.spark.sql.types.DataTypes.createStructType;

import java.util.List;
import org.apache.spark.sql.types.StructType;

/**
 * {@code sft_packed/{train,eval}}: blocks of exactly seq_len tokens. {@code doc_ids[i]} is the
 * index, within the block, of the document token i belongs to (0, 1, 2, ...).
 */
public final class SftPackedTable {
  private SftPackedTable() {}

  public static final String NAME = "sft_packed";
  public static final String INPUT_IDS = "input_ids";
  public static final String DOC_IDS = "doc_ids";

  public static final StructType SCHEMA =
      createStructType(
          List.of(
              createStructField(INPUT_IDS, createArrayType(IntegerType, false), false),
              createStructField(DOC_IDS, createArrayType(IntegerType, false), false)));
}
