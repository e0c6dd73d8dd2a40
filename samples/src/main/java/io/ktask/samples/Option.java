package io.ktask.samples;

/**
 * One option of a command: {@code --name VALUE}, or a flag {@code --name} when
 * {@code valueName} is null.
 *
 * @param name the option without its leading dashes
 * @param valueName the placeholder shown in the help (e.g. {@code N}), or null for a flag
 * @param defaultValue the value used when the option is absent (shown in the help), or null
 * @param description one line for the help
 */
record Option(String name, String valueName, String defaultValue, String description) {

    /** Common to every command: the progress bar is drawn on stderr unless this flag is given. */
    static final Option NO_PROGRESS = flag("no-progress", "do not draw the progress bar on stderr");

    static Option value(String name, String valueName, Object defaultValue, String description) {
        return new Option(name, valueName, defaultValue == null ? null : String.valueOf(defaultValue), description);
    }

    static Option flag(String name, String description) {
        return new Option(name, null, null, description);
    }

    boolean isFlag() {
        return valueName == null;
    }

    /** @return the left column of the help, e.g. {@code --rows N} */
    String synopsis() {
        return "--" + name + (isFlag() ? "" : " " + valueName);
    }
}
