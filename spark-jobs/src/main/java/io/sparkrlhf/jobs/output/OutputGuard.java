package io.sparkrlhf.jobs.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Decides, before anything is written, whether a command may write its output folder: never into,
 * over or around one of its own inputs, never into a folder of another kind ({@code --overwrite}
 * included), and never into or over what it cannot recognise. Each refusal is one line naming the
 * folder, what it holds and what to do; none of the advice deletes anything the user did not name.
 */
public final class OutputGuard {
  /** What the command does with the folder. */
  public enum Action {
    /** A new, empty, or same-kind refreshable folder (prepare adds a generation): write. */
    WRITE,
    /** Continue the earlier run there. */
    RESUME,
    /** Delete the earlier run of the same kind, then write. */
    REPLACE
  }

  private static final String UNCHANGED = " (nothing was changed)";

  private OutputGuard() {}

  /** {@code resume} and {@code overwrite} are the training commands' flags (false for the others). */
  public static Action claim(OutputKind kind, String output, List<CommandInput> inputs, boolean resume,
      boolean overwrite, Configuration conf) {
    String command = kind.command();
    requireApartFromInputs(command, output, inputs, conf);
    FolderContents found = FolderContents.inspect(output, conf);
    switch (found.state()) {
      case NOTHING:
        return Action.WRITE;
      case OUTPUT:
        if (found.kind() != kind) {
          throw otherKind(command, kind, output, found);
        }
        if (!kind.isTrainingRun()) {
          return Action.WRITE;
        }
        if (resume) {
          return Action.RESUME;
        }
        if (overwrite) {
          return Action.REPLACE;
        }
        throw new IllegalArgumentException(command + ": " + output + " already holds " + found.description()
            + ": pass --resume to continue it, --overwrite to delete it and start again, or choose another output folder"
            + UNCHANGED);
      case UNRECORDED_RUN:
        if (kind.isTrainingRun() && resume) {
          return Action.RESUME;
        }
        if (kind.isTrainingRun()) {
          throw new IllegalArgumentException(command + ": " + output + " holds " + found.description() + "; "
              + (overwrite ? "--overwrite deletes only a run known to be " + kind.description() : "it is not known to be "
              + kind.description()) + ": continue it with the command that started it and --resume, or choose another"
              + " output folder" + UNCHANGED);
        }
        throw otherKind(command, kind, output, found);
      default:
        throw otherKind(command, kind, output, found);
    }
  }

  private static IllegalArgumentException otherKind(String command, OutputKind kind, String output, FolderContents found) {
    String allowed = kind.isTrainingRun()
        ? "a new or empty folder or " + kind.description() + " (--overwrite never replaces another kind of output)"
        : "a new or empty folder or " + kind.description();
    return new IllegalArgumentException(command + ": " + output + " holds " + found.description() + "; " + command
        + " writes only into " + allowed + ": choose another output folder" + UNCHANGED);
  }

  /** An output equal to, inside, or around an input would overwrite, prune or re-read that input. */
  static void requireApartFromInputs(String command, String output, List<CommandInput> inputs, Configuration conf) {
    String out = qualified(output, conf);
    for (CommandInput in : inputs) {
      String input = qualified(in.path(), conf);
      String problem = null;
      if (out.equals(input)) {
        problem = "output " + output + " is also its " + in.role();
      } else if (out.startsWith(input + "/")) {
        problem = "output " + output + " is inside " + in.path() + ", its " + in.role();
      } else if (input.startsWith(out + "/")) {
        problem = "output " + output + " contains " + in.path() + ", its " + in.role();
      }
      if (problem != null) {
        throw new IllegalArgumentException(command + ": " + problem
            + ": choose an output folder apart from every input" + UNCHANGED);
      }
    }
  }

  private static String qualified(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      String s = p.getFileSystem(conf).makeQualified(p).toString();
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve " + path + ": " + e.getMessage(), e);
    }
  }
}
