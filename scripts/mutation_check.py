#!/usr/bin/env python3
"""Shows that the test suite can fail: breaks the code on purpose, one
mutation at a time, and checks that the tests named for it fail.

    scripts/mutation_check.py [NAME ...]      all mutations, or those named
    scripts/mutation_check.py --list

Works on a detached git worktree of HEAD in a temporary directory (your
checkout is not touched), built against this checkout's StarPU
(.deps/starpu, from `make bootstrap`).  Each mutation replaces one exact
piece of text, which must occur exactly once; a mutation whose text is gone
(the code moved on) is reported as STALE, to be updated.  Exit 1 if any
mutation was not caught, is stale, or has only tests that skip here.
The tests named must pass unmutated first.  About 5 minutes on 2 cores.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# name: (file, text, replacement, tests that must fail, why)
MUTATIONS = {
    "ranks_commands_unchecked": (
        "src/tool/job_agree.c", "    if (c->size == 1)\n        return LP_OK;",
        "    if (1)\n        return LP_OK;", ["cli.mpi_ranks_agree_on_the_job"],
        "ranks given other seeds or distributions add up to a wrong checksum, exit 0"),
    "small_calibration_replaces_floor": (
        "src/tool/calibrate.c", "        kept_ncpu == ncpu && kept_rows > ts->rows) {",
        "        kept_ncpu == ncpu && kept_rows > ts->rows && 0) {",
        ["cli.calibrate_measures_the_memory_floor"],
        "a --calibrate of 1000 rows replaces the floor measured over 400000"),
    "device_libraries_keep_signals": (
        "src/library/stop.c", "        sigaction(s, &before_start[s], NULL);",
        "        (void)0;",
        ["python.runtime"], "PoCL's LLVM keeps the SIGINT handler it put over the caller's"),
    "ignored_sigint_caught": (
        "src/library/stop.c", "        if (runtimes_own && !is_ignore(&before_start[s]))",
        "        if (runtimes_own)",
        ["cli.sigint_ignored_at_start_stays_ignored"],
        "a job started with SIGINT ignored stops on it all the same"),
    "worker_lists_unchecked": (
        "src/library/starpu_env.c", "            if (v && !list_ok(v, cpus)) {",
        "            if (0 && !list_ok(v, cpus)) {",
        ["cli.invalid_starpu_variables_refused"],
        "STARPU_WORKERS_CPUID=abc reaches StarPU, which aborts"),
    "quiet_json_checksum": (
        "src/tool/report_write.c", "if (c->quiet && !json_stdout)", "if (c->quiet)",
        ["cli.quiet_json_to_stdout_is_only_json"],
        "--quiet prints the checksum before --json - output"),
    "balanced_share_rounded_up": (
        "src/library/run.c",
        "double share = floor(rounds * tile_seconds[LP_BACKEND_CPU] / tile_seconds[b]);",
        "double share = ceil(rounds * tile_seconds[LP_BACKEND_CPU] / tile_seconds[b]);",
        ["tile_counts"], "an accelerator's share of the rounds rounded up: it ends after the CPUs"),
    "calibrate_no_balanced_counts": (
        "src/tool/calibrate.c", "    for (unsigned rounds = 2; rounds <= 4; rounds++)",
        "    for (unsigned rounds = 2; rounds < 2; rounds++)",
        ["cli.calibrate_tries_counts_that_end_every_kind_together"],
        "--calibrate tries no count that ends CPUs and accelerators together"),
    "no_formula_hint": (
        "src/tool/report_text.c", "        if (formula_with_accelerator(r, ctx))",
        "        if (0 && formula_with_accelerator(r, ctx))",
        ["cli.calibrate_tries_counts_that_end_every_kind_together"],
        "a default run with an accelerator does not say --calibrate would choose its tiles"),
    "accel_rows_overlap": (
        "src/library/layout.c", "    *first += head;", "    *first += 0;",
        ["tile_counts", "cli.accel_tiles_cut_the_rows_and_keep_the_bytes"],
        "the equal tiles start at row 0, over the accelerators' tiles"),
    "accel_share_unstretched": (
        "src/library/run.c", "double share = stretch * acc / (acc + cpu);",
        "double share = acc / (acc + cpu);",
        ["tile_counts", "cli.calibrate_tries_counts_that_end_every_kind_together"],
        "--calibrate tries one accelerators' share, not four"),
    "chosen_accel_any_policy": (
        "src/library/tile_choice.c", "if (a && (!sched || strcmp(policy, sched) != 0 || a >= t ||",
        "if (a && (!sched || a >= t ||", ["cli.calibrated_accel_layout_only_under_its_policy"],
        "an accelerators' layout kept for one policy is taken under every other"),
    "accel_tiles_ignored": (
        "src/library/run.c", "lp_layout l = {0, opt->accel_tiles, opt->accel_tile_rows};",
        "lp_layout l = {0, 0, 0};",
        ["cli.accel_tiles_cut_the_rows_and_keep_the_bytes",
         "sim.accel_tiles_go_to_the_gpu_and_end_with_the_cpus"],
        "--accel-tiles cuts nothing"),
    "window_recuts_accel_tiles": (
        "src/tool/main.c", "        if (l.accel_rows > most) {", "        if (0) {",
        ["cli.accel_tiles_cut_the_rows_and_keep_the_bytes"],
        "a window too small for the accelerators' tiles is not refused"),
    "forced_backend_takes_accel_layout": (
        "src/library/run.c", "        sched = NULL;   /* one kind alone: no tiles sized for another kind */",
        "        ;", ["cli.calibrated_accel_layout_only_under_its_policy"],
        "--backend cpu runs on the big tiles kept for the GPU"),
    "compare_takes_accel_layout": (
        "src/tool/main.c", "j->comm->size == 1 && !j->c.compare ? lp_sched_name() : NULL",
        "j->comm->size == 1 ? lp_sched_name() : NULL",
        ["cli.calibrated_accel_layout_only_under_its_policy"],
        "--compare's single-backend runs share the big tiles kept for the GPU"),
    "calibrate_ignores_verify": (
        "src/tool/main.c", "j.c.opt.verify = j.c.verify;", "j.c.opt.verify = 0;",
        ["cli.calibrate_verifies_its_last_run"], "--calibrate --verify verifies nothing"),
    "no_poison": (
        "src/library/run.c",
        "            lp_poison_if_unwritten(ts->col[t][3], ts->dtype, count);",
        "            (void)0;",
        ["cli.stale_results_of_an_earlier_run_never_pass", "cli.mpi_lost_tile_caught",
         "python.errors"],
        "out keeps the previous run's values (one process, MPI, Python's logprod)"),
    "tiles_not_marked": (
        "src/library/run.c",
        "            lp_mark_unwritten(ts->col[t][3], ts->dtype, count);",
        "            (void)0;",
        ["cli.stale_results_of_an_earlier_run_never_pass", "python.errors"],
        "tiles not marked before the kept run: a lost tile keeps the run before's values"),
    "unwritten_last_row_not_read": (
        "src/library/data.c",
        "row_marked(col, dtype, 0) || row_marked(col, dtype, count - 1)",
        "row_marked(col, dtype, 0)", ["poison"],
        "a tile cut short at its end passes for written"),
    "heteroprio_default_buckets": (
        "src/library/policies.c", "    heteroprio_buckets = 1;", "    heteroprio_buckets = 0;",
        ["cli.opencl_heteroprio_runs_tasks_only_some_workers_can"],
        "heteroprio's tasks keep priority 0: a CPU-only task in the bucket of every worker"),
    "python_ctrl_c_not_passed_on": (
        "python/lp_starpu/_runtime.py",
        "opt.stop_on_sigint = int(threading.current_thread() is threading.main_thread())",
        "opt.stop_on_sigint = 0",
        ["python.errors"], "Ctrl-C does not ask the run to stop: KeyboardInterrupt comes late"),
    "python_strided_input_in_place": (
        "python/lp_starpu/_columns.py", "a.flags.c_contiguous\n            and a.flags.aligned",
        "a.flags.aligned", ["python.arrays"],
        "a strided view is handed to C as if contiguous"),
    "install_without_run_path": (
        "CMakeLists.txt",
        'set_target_properties(lp-starpu PROPERTIES INSTALL_RPATH "$ORIGIN/../${LP_INSTALL_LIBDIR}")',
        "", ["install"], "the installed tool cannot find the StarPU installed beside it"),
    "man_page_lacks_an_option": (
        "docs/lp-starpu.1", '.BI \\-\\-window " BYTES"', '.BI \\-\\-wind " BYTES"', ["install"],
        "an option of --help missing from the man page"),
    "cpu_reads_x_thrice": (
        "codelets/logprod_cpu_body.h", "out[i] = LOG(x[i]) * LOG(y[i]) * LOG(z[i]);",
        "out[i] = LOG(x[i]) * LOG(x[i]) * LOG(x[i]);",
        ["cpu_impls", "cli.cpu_impl_each_one_runs_and_verifies"],
        "the CPU kernel (glibc's log) reads x for y and z"),
    "own_log_kernel_reads_x_thrice": (
        "codelets/logprod_cpu_avx512_lplog.c", "MUL(MUL(LOG(x), LOG(y)), LOG(z))",
        "MUL(MUL(LOG(x), LOG(x)), LOG(x))",
        ["cli.backend_cpu_runs_every_task_on_cpus", "correctness.dmda", "cpu_impls"],
        "the CPU kernel on the own log reads x for y and z"),
    "own_log_kernel_drops_the_last_rows": (
        "codelets/logprod_cpu_avx512_lplog.c", "        if (i < n)", "        if (0)",
        ["cpu_impls", "correctness.dmda"],
        "the rows after the last whole vector are never computed"),
    "cpu_auto_ignores_the_kept_choice": (
        "codelets/logprod_cpu_impls.c",
        "return i > 0 && lp_cpu_impl_supported((unsigned)i) ? (unsigned)i : 0;", "return 0;",
        ["cli.cpu_impl_auto_is_measured_and_kept_with_the_models"],
        "the measured choice is not read back: measured again at every start"),
    "cpu_auto_keeps_an_outdated_choice": (
        "codelets/logprod_cpu_impls.c", "        if (lp_cpu_impl_supported(i) && !at)",
        "        if (0)", ["cli.cpu_impl_auto_is_measured_and_kept_with_the_models"],
        "a choice measured before an implementation was built is kept"),
    "vector_log_drops_the_sum_error": (
        "codelets/log_avx512.h", "__m512d serr = _mm512_add_pd(_mm512_sub_pd(w, s), r);",
        "__m512d serr = _mm512_setzero_pd();", ["vector_log"],
        "lp_log8 loses the rounding error of e ln2 + log c + r (1.4 ulp)"),
    "vector_log_rlo_uncorrected": (
        "codelets/log_avx512.h", "_mm512_fnmadd_pd(r, rlo, rlo)", "rlo", ["vector_log"],
        "lp_log8 takes log1p(r + rlo) as log1p(r) + rlo (1.3 ulp next to 1)"),
    "vector_logf_drops_the_sum_error": (
        "codelets/log_avx512.h", "__m512 serr = _mm512_add_ps(_mm512_sub_ps(w, s), r);",
        "__m512 serr = _mm512_setzero_ps();", ["vector_log"],
        "lp_logf16 loses the rounding error of its large sum"),
    "vector_log_zero_not_minus_infinity": (
        "codelets/log_avx512.h", "_mm512_set1_epi64(0x03530422)", "_mm512_set1_epi64(0x03530022)",
        ["vector_log"], "lp_log8(0) is not -inf"),
    "floor_from_too_few_rows": (
        "src/tool/calibrate.c", "    return *rows >= (r->rows < LP_FLOOR_ROWS ? r->rows : LP_FLOOR_ROWS) ? 1 : -1;",
        "    return 1;", ["cli.calibrate_measures_the_memory_floor"],
        "a memory floor measured over rows that sat in cache is applied to more rows"),
    "cpu_impl_never_by_model": (
        "codelets/logprod_cpu_impls.c", "    model_mode = any_impl && sched_chooses;",
        "    model_mode = 0 && sched_chooses;",
        ["cli.cpu_impl_model_policy_calibrates_and_chooses_each"],
        "dmda never sees the implementations under --cpu-impl any: only auto runs"),
    "f32_verified_at_float64_bound": (
        "src/library/data.c", "return dtype == LP_FLOAT32 ? LP_VERIFY_TOLERANCE_F32 : LP_VERIFY_TOLERANCE;",
        "return LP_VERIFY_TOLERANCE;", ["cli.dtype_f32_matches_a_float_reference"],
        "--verify holds float32 rows to float64's bound"),
    "f32_output_says_float64": (
        "src/tool/npy.c", "\"'shape': (%zu,), }\", dtype == LP_FLOAT32 ? 4 : 8, n);",
        "\"'shape': (%zu,), }\", 8, n);",
        ["cli.dtype_f32_matches_a_float_reference", "cli.dtype_f32_every_backend_and_input"],
        "a float32 --output file's header says '<f8'"),
    "memory_floor_forgotten": (
        "src/tool/calibrate.c", "    int ok = fgets(line, sizeof line, f) && sscanf(",
        "    int ok = 0 && fgets(line, sizeof line, f) && sscanf(",
        ["cli.calibrate_measures_the_memory_floor"], "the floor --calibrate measured is never shown"),
    "tiles_not_a_multiple_of_workers": (
        "src/library/run.c", "        tiles += nworkers - tiles % nworkers;", "        (void)0;",
        ["cli.default_tiles_a_multiple_of_the_workers"], "64 tiles on 15 workers again"),
    "cpu_impl_not_reported": (
        "src/library/stats.c", "                impls[(size_t)r->worker * STARPU_MAXIMPLEMENTATIONS + p->nimpl]++;",
        "                (void)p->nimpl;",
        ["cli.cpu_impl_each_one_runs_and_verifies"], "the report names no implementation"),
    "opencl_reads_x_thrice": (
        "codelets/logprod.cl", "y[y_off + i], z[z_off + i], intensity",
        "x[x_off + i], x[x_off + i], intensity",
        ["cli.opencl_backend_runs_every_task", "cli.opencl_compare_lists_cpu_opencl_scheduled"],
        "the OpenCL kernel reads x for y"),
    "backend_not_forced": (
        "src/library/run.c", "task->where = lp_where_mask(opt->backend);", "(void)0;",
        ["cli.opencl_compare_lists_cpu_opencl_scheduled",
         "cli.backend_cpu_runs_every_task_on_cpus"], "--backend does not restrict workers"),
    "no_opencl_worker": (
        "tests/cli_test.py", 'OPENCL = {"STARPU_OPENCL_ON_CPUS": "1"}',
        'OPENCL = {"STARPU_OPENCL_ON_CPUS": "1", "STARPU_NOPENCL": "0"}',
        ["cli.opencl_backend_runs_every_task"],
        "no OpenCL worker where PoCL is installed: a failure, not a skip"),
    "crash_on_one_row": (
        "src/tool/main.c", "    if (j.c.help) {",
        "    if (j.c.rows == 1 && j.c.rows_set)\n        abort();\n    if (j.c.help) {",
        ["cli.opencl_backend_runs_every_task"], "the tool crashes while a test looks for a device"),
    "verify_blind_to_nan": (
        "src/library/check.c", "            rel = INFINITY;   /* a NaN result where a number is right: as wrong as can be */",
        "            rel = 0;",
        ["verify", "cli.verify_catches_a_lost_tile"], "--verify passes NaN rows"),
    "rows_reversed_in_tile": (
        "codelets/logprod_cpu_lplog.c", "out[i] = lp_logprod_ref(x[i], y[i], z[i], intensity);",
        "out[n - 1 - i] = lp_logprod_ref(x[i], y[i], z[i], intensity);",
        ["cpu_impls", "reproducible.opencl_and_every_cpu_code_same_bytes"],
        "rows in the wrong place, the same checksum"),
    "signal_kills_at_once": (
        "src/tool/signals.c", "    lp_request_stop(signo);\n    say(", "    (void)signo;\n    raise(SIGKILL);\n    say(",
        ["cli.mpi_sigterm_ends_every_rank", "cli.mpi_signal_to_one_rank_stops_all",
         "cli.sigterm_stops_cleanly"], "a signal kills the process without a word"),
    "median_of_even_count": (
        "src/library/stats.c", "double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);",
        "double m = s[n / 2];", ["cli.repeat_reports_min_and_median"],
        "the median of an even count is one of the two middle values"),
    "memory_limit_ignored": (
        "tests/cli_test.py", "dict(env, **{variable: str(limit_mib)})",
        'dict(env, **{variable + "_IGNORED": str(limit_mib)})',
        ["cli.opencl_memory_limit_evicts_correctly"], "the memory limit has no effect"),
    "notice_under_quiet": (
        "src/tool/main.c", "for (int i = 0; i < j->nruns && root(j) && !j->c.quiet; i++)",
        "for (int i = 0; i < j->nruns && root(j); i++)",
        ["cli.model_notices_once_per_run_never_quiet_or_eager"], "--quiet prints notices"),
    "leak_in_writer": (
        "src/tool/file_out.c", "    free(o->target);\n    memset(o, 0, sizeof *o);",
        "    memset(o, 0, sizeof *o);", ["valgrind"], "every output leaks its path"),
    "output_truncated_in_place": (
        "src/tool/file_out.c", "if (exists && !S_ISREG(st.st_mode)) {   /* a device", "if (1) {   /* a device",
        ["cli.short_write_keeps_the_old_output"], "--output written in place"),
    "json_path_checked_late": (
        "src/tool/main.c", "const char *paths[3] = {j->c.output, j->c.json, j->c.trace};",
        "const char *paths[3] = {j->c.output, NULL, NULL};",
        ["cli.json_file_beside_the_text_report"], "an unwritable --json fails after the run"),
    "warmup_skipped": (
        "src/library/run.c", "        if (ts->rows > 0)\n", "        if (ts->rows > 0 && timed)\n",
        ["cli.warmup_runs_really_run"],
        "--warmup runs nothing"),
    "defaults_override_user": (
        "src/library/starpu_env.c", 'if (!getenv("STARPU_SILENT"))', "if (1)",
        ["cli.tool_defaults_for_starpu_and_user_values_kept"], "the user's STARPU_SILENT is replaced"),
    "generation_ignores_signal": (
        "src/library/tiles.c", "k < count && !lp_stop_requested() && !f->failed",
        "k < count && !f->failed", ["cli.sigterm_during_data_generation_stops_early"],
        "a signal waits until every tile's rows are made"),
    "warmup_ignores_signal": (
        "src/library/run.c", "    return lp_stop_requested() != 0;", "    return 0;",
        ["cli.sigint_during_warmup_stops_cleanly"],
        "a signal waits for every warm-up run"),
    "tile_rows_floor": (
        "src/library/run.c", "(rest + opt->tile_rows - 1) / opt->tile_rows", "rest / opt->tile_rows",
        ["cli.tile_rows_sets_tile_count"], "--tile-rows rounds the tile count down"),
    "distribution_without_mpi": (
        "src/tool/cli.c", "if (c->distribution_set && !c->mpi && c->nodes < 2)", "if (0)",
        ["cli.usage_distribution_without_mpi"], "--distribution accepted without --mpi"),
    "strict_refuses_clean": (
        "src/tool/main.c", "return j->ctx.bad_inputs && j->c.strict ? LP_ERR_INPUT : LP_OK;",
        "return j->c.strict ? LP_ERR_INPUT : LP_OK;",
        ["cli.strict_passes_a_clean_file"], "--strict refuses a clean file"),
    "output_over_input": (
        "src/tool/main.c", "in.st_dev == out.st_dev && in.st_ino == out.st_ino", "0",
        ["cli.output_that_is_the_input_is_refused"], "--output may overwrite the input"),
    "symlink_replaced": (
        "src/tool/file_out.c", "        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))",
        "        if (1)", ["cli.outputs_follow_links_and_never_replace_special_files"],
        "an output replaces a symbolic link"),
    "trace_without_copies": (
        "src/tool/trace_fxt.c", "if (mark_ms >= 0 && end >= 0 && start <= window_us &&",
        "if (0 && end >= 0 && start <= window_us &&",
        ["cli.trace_shows_each_links_copies"], "--trace draws no copies"),
    "lanes_not_named_by_rank": (
        "src/tool/gather.c", "if (c->size == 1 || p >= len)", "if (1)",
        ["cli.mpi2.trace_svg_well_formed"], "MPI: every rank's CPU 0 has the same name"),
    "one_rank_named_like_many": (
        "src/tool/gather.c", "if (c->size == 1 || p >= len)", "if (p >= len)",
        ["cli.mpi_one_rank_reports_like_one_process"],
        "a job of one rank reports differently from one process"),
    "tile_sums_not_reduced": (
        "src/tool/comm_starpu_mpi_data.c",
        "    COMBINE(int64_t, (int64_t *)v, all, n, size, op);",
        "    (void)v, (void)all, (void)n, (void)size, (void)op;",
        ["cli.mpi_ranks_match_single_process"],
        "MPI: the checksum's digits (and counts) are rank 0's alone"),
    "progress_redrawn_on_a_pipe": (
        "src/tool/progress.c", "(p->lines ? 5000.0 : 250.0)", "250.0",
        ["cli.mpi_progress_when_asked"], "a pipe gets 4 progress lines a second"),
    "opencl_group_over_the_limit": (
        "codelets/logprod_opencl.c", "size_t size = most < 256 ? most : 256;",
        "size_t size = most + 64;",
        ["cli.opencl_backend_runs_every_task"], "a work-group larger than the device allows"),
    "stream_slot_not_poisoned": (
        "src/library/stream.c",
        "    lp_poison(tile.col[3], tile.dtype, STARPU_VECTOR_GET_NX(buffers[3]));   /* written next */",
        "",
        ["cli.stale_results_of_an_earlier_run_never_pass"],
        "a streamed slot keeps the run before's results"),
    "rows_not_cut_where_a_handle_ends": (
        "src/library/run.c", "    if (tiles < fewest)", "    if (0)",
        ["cli.tiles_split_where_a_handle_ends"], "a tile longer than a StarPU vector holds"),
    "fortran_read_as_c": (
        "src/tool/npy_input.c", "col->stride = h.fortran ? (size_t)h.elem : 3 * (size_t)h.elem;",
        "col->stride = 3 * (size_t)h.elem;",
        ["cli.input_layouts_resident_and_streamed", "npy"], "Fortran order read as C order"),
    "byte_order_ignored": (
        "src/tool/npy_input.c", "u = (u << 8) | p[big ? i : elem - 1 - i];",
        "u = (u << 8) | p[elem - 1 - i];",
        ["cli.input_layouts_resident_and_streamed", "npy"], "big-endian read as little"),
    "output_not_at_its_offset": (
        "src/tool/npy.c", "write_all(o, v, elem * count, o->data_offset + elem * (uint64_t)first)",
        "write_all(o, v, elem * count, o->data_offset)",
        ["cli.input_layouts_resident_and_streamed", "cli.mpi2.input_layouts_resident_and_streamed",
         "cli.strict_passes_a_clean_file"], "every tile written at the start of the output"),
    "window_unbounded": (
        "src/library/tiles.c", "    size_t slots = window_bytes / slot_bytes;",
        "    size_t slots = ts->mine;",
        ["cli.rows_beyond_memory_stream"], "the window holds every tile"),
    # What a new user hit: lost results, unbounded memory, hangs, edges.
    "outputs_may_be_one_file": (
        "src/tool/main.c", "if (paths[k] && lp_out_same_file(paths[k], paths[i])) {", "if (0) {",
        ["cli.outputs_are_distinct_files_by_any_path"],
        "--output and --json name one file: the JSON replaces the results"),
    "read_only_output_replaced": (
        "src/tool/file_out.c", "S_ISREG(st.st_mode) && !force &&", "S_ISREG(st.st_mode) && 0 &&",
        ["cli.read_only_output_needs_force"], "a read-only output replaced without --force"),
    "stdout_file_written": (
        "src/tool/file_out.c", "st.st_dev == std_out.st_dev && st.st_ino == std_out.st_ino",
        "0", ["cli.output_to_standard_output_refused", "cli.standard_streams_as_outputs"],
        "--output /dev/stdout > f renames over f, under the report"),
    "stale_temporaries_kept": (
        "src/tool/main.c", "int removed = paths[i] ? lp_out_remove_stale(paths[i]) : 0;",
        "int removed = 0;", ["cli.stale_temporaries_of_a_killed_run_removed"],
        "a killed run's temporary files stay forever"),
    "live_writers_temporary_removed": (
        "src/tool/file_out.c", "flock(fd, LOCK_EX | LOCK_NB) == 0 && ", "",
        ["cli.stale_temporaries_of_a_killed_run_removed"],
        "the temporary file of a run still writing is removed under it"),
    "fifo_input_blocks": (
        "src/tool/npy_input.c", "O_RDONLY | O_CLOEXEC | O_NONBLOCK", "O_RDONLY | O_CLOEXEC",
        ["cli.fifo_or_device_input_refused_at_once"], "a FIFO as --input waits forever"),
    "checksum_nan_for_infinities": (
        "src/library/exact_sum.c", "        return sum->pinf ? INFINITY : -INFINITY;",
        "        return 0.0;", ["cli.infinite_results_verify_and_sum_as_ieee", "exact_sum"],
        "an infinite row leaves the checksum finite"),
    "verify_fails_infinite_results": (
        "src/library/check.c", "if (got == ref || (isnan(got) && isnan(ref)))", "if (0)",
        ["cli.infinite_results_verify_and_sum_as_ieee", "python.results"],
        "--verify fails rows whose result is the right infinity"),
    "window_holds_a_huge_tile": (
        "src/tool/main.c", "        if (lp_layout_max_rows(&l, j->rows) <= most)\n", "        if (1)\n",
        ["cli.stream_cuts_tiles_to_fit_the_window"], "--tiles 1 --stream takes every row at once"),
    "tile_count_unbounded": (
        "src/tool/main.c", "if (!avail || need + book <= avail)", "if (1)",
        ["cli.tile_count_bounded_by_memory"], "a million tiles until memory runs out"),
    "long_tiles_not_stopped": (
        "codelets/logprod_cpu_starpu.h", "(i == 0 || !lp_stop_requested())", "1",
        ["cli.one_sigint_stops_inside_long_tiles"], "Ctrl-C waits for tiles of a minute"),
    "cut_short_run_written": (
        "src/library/run.c", "        if (status == LP_OK && lp_stop_now())\n            status = LP_ERR_INTERRUPTED;\n",
        "", ["cli.one_sigint_stops_inside_long_tiles"],
        "a run whose tiles a stop cut short still writes --output"),
    "second_signal_waits": (
        "src/tool/signals.c", "    if (lp_stop_requested()) {", "    if (0) {",
        ["cli.second_sigint_stops_at_once"], "a second Ctrl-C changes nothing"),
    "progress_only_between_runs": (
        "src/tool/main.c", "        j->c.opt.progress_rows = lp_progress_rows;\n", "",
        ["cli.progress_within_a_run"], "a long run says nothing until it ends"),
    "starpu_numbers_unchecked": (
        "src/library/starpu_env.c", "return *end == '\\0' && errno == 0 && n >= 0 && n <= INT_MAX;",
        "return 1;", ["cli.invalid_starpu_variables_refused", "python.errors"],
        "STARPU_NCPU=abc aborts inside StarPU (Python dies)"),
    "mpirun_without_mpi_runs_twice": (
        "src/tool/main.c", "if (!j.c.mpi && launched > 1) {", "if (0) {",
        ["cli.mpirun_without_mpi_refused"], "mpirun -np 2 without --mpi: two whole jobs, two reports"),
    "streamed_file_job_warms_up": (
        "src/tool/main.c", "if ((j->c.input || j->c.output) && !j->c.warmup_set && j->c.opt.warmup) {",
        "if (0) {", ["cli.file_jobs_read_and_write_once"],
        "a file job runs twice (streamed: reads and writes its files twice)"),
    "quiet_hides_mixed_cpu_code": (
        "src/tool/main.c", "if (root(j) && j->c.quiet && mixed_cpu_code(&j->runs[0]))", "if (0)",
        ["cli.quiet_says_when_a_worker_mixed_cpu_codes"],
        "--quiet hides that a worker's rows came from two CPU codes"),
    "simulated_checksum_reported": (
        "src/tool/report_text.c", "    if (ctx->machine)\n        fprintf(f, \"checksum    none",
        "    if (0)\n        fprintf(f, \"checksum    none",
        ["sim.report_says_simulated_and_no_checksum"],
        "a simulated run prints a checksum of rows it never computed"),
    "no_checksum_reports_zero": (
        "src/library/run.c", "if (lp_simulated() || (opt->no_checksum && !ts->streamed))",
        "if (lp_simulated())", ["seed_checksum"],
        "a run asked for no checksum reports 0, an empty sum, as its checksum"),
    "lp_eft_counts_every_gpus_share": (
        "src/library/sched_eft.c", "return d->accelerators > 1 ? predicted / d->accelerators : predicted;",
        "return predicted;", ["sim.what_if_second_gpu"],
        "lp-eft counts the other GPUs' copies on each GPU's own link: two GPUs no better than one"),
    "captured_sizes_of_any_dtype": (
        "src/tool/main.c", "        if (e[i].bytes % row_bytes ||\n            lp_tile_footprint(r, j->c.dtype, j->c.opt.intensity) != e[i].footprint)",
        "        if (e[i].bytes % row_bytes)",
        ["sim.refusals_are_one_line"],
        "a capture without a tile size offers another element type's tiles as if it had it"),
    "simulated_run_reads_its_input": (
        "src/tool/main.c", "if (j->c.input && !lp_simulated()) {", "if (j->c.input) {",
        ["sim.input_gives_the_rows_from_its_header"], "a simulated run says it read its input"),
    "python_masked_mask_ignored": (
        "python/lp_starpu/_columns.py", "        _refuse_masked(name, given)\n", "",
        ["python.errors"], "a masked array's mask silently ignored"),
    "python_memmaps_not_compared": (
        "python/lp_starpu/_columns.py",
        "    written = list(_file_bytes((lo, hi), mappings, shared_only=True))\n",
        "    written = []\n", ["python.arrays"],
        "out and x, two memmaps of one file: x overwritten under the run"),
    "kept_inputs_keep_device_copies": (
        "src/library/run.c", "    if (copied_elsewhere(h)) {", "    if (0 && copied_elsewhere(h)) {",
        ["kept_handles", "python.runtime"],
        "a run reads the inputs an earlier run (or call) left on the accelerator"),
    "kept_tiles_let_go_each_call": (
        "src/library/run.c", "    if (!ts->keep_handles)\n", "    if (1)\n",
        ["kept_handles", "python.runtime"],
        "keep_tiles keeps nothing: every call registers its tiles again"),
    "kept_tiles_other_count": (
        "src/library/kept.c", "if (k && !k->husk && lp_layout_same(&k->asked, l) &&",
        "if (k && !k->husk &&", ["kept_handles"],
        "a call for another tile count runs on the tiles of the last"),
    "python_keeps_tiles_of_a_view": (
        "python/lp_starpu/_runtime.py",
        "                and all(r() is a for r, a in zip(self.refs, arrays)))",
        "                )", ["python.runtime"],
        "a view (or an array in a collected one's place) served by the kept entry, unwatched"),
    "kept_tiles_outlive_stop": (
        "src/library/session.c", "    lp_kept_let_go_all();\n", "", ["kept_handles"],
        "lp_stop leaves kept handles registered (and a later lp_data_free unregisters "
        "into a stopped StarPU)"),
    "pin_ranges_overlap": (
        "src/library/pins.c", "        if (ranges[i].lo < hi && lo < ranges[i].hi) {",
        "        if (0) {", ["pins"],
        "lp_pin records a range inside another: CUDA would refuse it, or unpin it twice"),
    "pin_range_never_ends": (
        "src/library/pins.c", "        ranges[i] = ranges[--nranges];\n", "", ["pins"],
        "lp_unpin leaves the record: a freed buffer's address passes for pinned"),
    "python_cpu_runs_pin": (
        "python/lp_starpu/__init__.py",
        '        if backend in ("auto", "cuda") and _runtime.workers("cuda"):',
        "        if True:", ["python.pinned"],
        "a CPU-only run pins (and holds) every array it takes"),
    "python_pinned_shares_pages": (
        "python/lp_starpu/_pins.py", "    first = -_address(raw) % page\n",
        "    first = 0\n", ["python.pinned"],
        "a pinned array starts mid-page: two arrays' pins share a page"),
    "python_pins_whole_buffer_of_a_slice": (
        "python/lp_starpu/_pins.py",
        "            if owner is not None and 2 * a.nbytes >= owner.nbytes:",
        "            if owner is not None:", ["python.pinned"],
        "a run on a small slice pins the whole (maybe huge) array it lies in"),
    "python_pins_held_forever": (
        "python/lp_starpu/_pins.py", "    _held.pop(addr, None)\n", "", ["python.pinned"],
        "a collected array's record stays: its address, reused, passes for pinned"),
    "tile_cost_counts_busy_time": (
        "src/library/stats.c", "idle_ms += rep->own_seconds * 1e3 - s->busy_ms;",
        "idle_ms += rep->own_seconds * 1e3;", ["python.results"],
        "the runtime's cost per tile includes the tasks themselves"),
    "opencl_fuses_products_and_sums": (
        "codelets/log_lp.h", "#pragma OPENCL FP_CONTRACT OFF", "#pragma OPENCL FP_CONTRACT ON",
        ["reproducible.opencl_and_every_cpu_code_same_bytes"],
        "the OpenCL compiler fuses a*b+c: other bits than the CPU's"),
    "specification_apart_from_vector_log": (
        "codelets/log_lp.h", "        p = fma(p, r, LP_LOG_POLY[j]);",
        "        p = p * r + LP_LOG_POLY[j];",
        ["vector_log"], "the scalar log's polynomial without fused multiply-adds (the "
        "coefficients are shared, the operations are not): no longer the vector logs' "
        "specification"),
    "nan_rows_keep_their_payload": (
        "codelets/logprod_cpu_avx512_lplog.c",
        "    return _mm512_mask_mov_pd(v, nan, _mm512_castsi512_pd(_mm512_set1_epi64(bits)));",
        "    (void)nan, (void)bits;\n    return v;",
        ["reproducible.special_values_same_bytes"],
        "a NaN row keeps the processor's NaN, not the one quiet NaN every device writes"),
    "cluster_copies_on_smpi_model": (
        "src/tool/sim_launcher.c", "for (int i = 0; capture_network[i]; i++)",
        "for (int i = 0; 0 && capture_network[i]; i++)",
        ["sim.nodes_share_the_tiles", "sim.nodes_weak_scaling_is_flat"],
        "a simulated cluster's nodes copy at SimGrid MPI's latencies, not the capture's"),
    "cluster_rank_status_lost": (
        "src/tool/main.c", "        lp_machine_rank_failed(status);", "        (void)0;",
        ["sim.nodes_leave_nothing_behind"],
        "a failed rank of a simulated cluster exits 0"),
    "cluster_gather_drops_ranks": (
        "src/tool/comm_starpu_mpi_data.c", "        counts[r] = (size_t)ns[r];",
        "        counts[r] = 0;", ["sim.nodes_share_the_tiles", "cli.mpi_ranks_match_single_process"],
        "an MPI job's or a simulated cluster's report has rank 0's statistics only"),
    "calibrated_tiles_ignored": (
        "src/library/run.c",
        "        lp_layout chosen = lp_tiles_chosen(rows, dtype, opt->intensity, nworkers, sched);",
        "        lp_layout chosen = {0, 0, 0};", ["cli.calibrate_chooses_the_tile_count"],
        "default runs ignore the tile count --calibrate kept"),
    "library_prints_its_error": (
        "src/library/session.c", '        lp_error("could not build the OpenCL kernel");',
        '        fprintf(stderr, "lp-starpu: could not build the OpenCL kernel\\n");',
        ["library_apart"], "the library writes to stderr instead of leaving the message"),
    "avx2_fast_path_takes_infinity": (
        "codelets/log_avx2.h",
        "    return _mm256_movemask_pd(_mm256_and_pd(ge, _mm256_cmp_pd(top, LP_D(INFINITY), _CMP_LT_OQ))) == 0xf;",
        "    return _mm256_movemask_pd(ge) == 0xf;", ["reproducible.special_values_same_bytes"],
        "avx2-lplog's path for normal inputs also takes +inf"),
    "avx2_subnormal_exponent_unscaled": (
        "codelets/log_avx2.h", "    if (scaled)\n        e = _mm256_sub_pd(e, below);",
        "    if (0)\n        e = _mm256_sub_pd(e, below);", ["vector_log"],
        "lp_log4 forgets the 2^54 a subnormal was scaled by"),
    "python_progress_error_lost": (
        "python/lp_starpu/__init__.py", "                raise told.error from None",
        "                pass", ["python.runtime"],
        "an exception in the progress callback is not raised by the call"),
    "python_progress_only_at_run_end": (
        "python/lp_starpu/__init__.py",
        "        opt.progress_rows = ctypes.cast(self.on_rows, ctypes.c_void_p)",
        "        pass", ["python.runtime"], "progress is told at the end of each run only"),
    "tiles_beside_starpu_mpi": (
        "src/tool/comm_mpi.c",
        "    lp_smpi_data_register, lp_smpi_task_build, lp_smpi_task_post_build,\n};",
        "    NULL, NULL, NULL,\n};", ["cli.mpi_ranks_match_single_process"],
        "an MPI job's tiles registered and run on plain StarPU, beside StarPU-MPI"),
    "tool_reads_a_library_internal": (
        "src/tool/progress.c", '#include "lp_starpu_advanced.h"', '#include "clock.h"',
        ["library_apart"], "a tool file includes a library header beside the advanced one"),
    "tool_drops_library_errors": (
        "src/tool/main.c", "    if (status != LP_OK && why[0])", "    if (0 && why[0])",
        ["cli.no_worker_at_all_exits_3"],
        "the tool no longer says why a library call failed"),
    "python_drops_library_errors": (
        "python/lp_starpu/_runtime.py", "            raise BackendUnavailableError(why, status)",
        '            raise BackendUnavailableError("", status)', ["python.errors"],
        "the Python exception lacks the library's reason"),
    "exact_sum_ties_away": (
        "src/library/exact_sum.c", "(rest == half && (sticky || (mant & 1)))", "(rest == half)",
        ["exact_sum"], "the checksum's rounding is not to nearest even"),
    "ranks_own_tile_count": (
        "src/tool/main.c", "    j->comm->ops->bcast(j->comm, agreed, sizeof agreed);",
        "    (void)agreed;", ["cli.mpi_ranks_agree_on_the_job"],
        "each rank cuts the rows by the tile count its own models kept"),
    "ranks_own_window": (
        "src/tool/main.c", "    j->comm->ops->reduce_i64(j->comm, &win, 1, LP_REDUCE_MIN);",
        "    (void)0;", ["cli.mpi_ranks_agree_on_the_job"],
        "each rank cuts streamed tiles by its own window"),
    "temporary_files_named_like_users": (
        "src/library/file_replace.c", '#define TEMP_SUFFIX ".lp-starpu-tmp.XXXXXX"',
        '#define TEMP_SUFFIX ".tmp.XXXXXX"', ["cli.stale_temporaries_of_a_killed_run_removed"],
        "a user's NAME.tmp.backup is taken for a stale temporary file and removed"),
    "links_to_streams_followed": (
        "src/tool/file_out.c",
        "        if (stat(p, &end) == 0 && !S_ISREG(end.st_mode) && !S_ISDIR(end.st_mode))",
        "        if (0)", ["cli.standard_streams_as_outputs"],
        "/dev/stderr on a pipe is taken for a file named pipe:[N] in /proc"),
    "lost_stdout_exits_0": (
        "src/tool/report_write.c", "    if (!json_stdout && (fflush(stdout) != 0 || ferror(stdout))) {",
        "    if (0) {", ["cli.a_failed_report_keeps_the_old_output"],
        "a checksum standard output could not take, and exit 0"),
    "json_not_utf8": (
        "src/tool/report_json.c", "        int n = utf8_length((const unsigned char *)s);",
        "        int n = 1;", ["cli.json_report_is_utf8_whatever_the_names"],
        "a file name's bytes that are not UTF-8 make the JSON report unreadable"),
    "rows_past_the_limit_allocated": (
        "src/library/data.c", "    if (rows > LP_MAX_ROWS) {   /* what lp_run takes */",
        "    if (0) {", ["seed_checksum"],
        "2^61 float64 rows wrap to a tiny buffer, LP_OK"),
    "call_failed_before_runs_not_poisoned": (
        "src/library/run.c",
        "    if (status != LP_OK && status != LP_ERR_VERIFY && d->rows && d->col[3] && !lp_simulated())",
        "    if (0)", ["seed_checksum"],
        "a failed call leaves the previous call's results, or tiles cut short, in out"),
    "opencl_doubles_unguarded": (
        "codelets/logprod.cl", "#if LP_HAVE_F64   /* a device without doubles has the float kernel only */",
        "#if 1", ["opencl_source_without_fp64"],
        "a device without doubles fails the program's build, and every lp_start with it"),
    "failed_stream_keeps_writing": (
        "src/library/stream.c", "    if (!ts->io.write || !ts->write_now || lp_codelet_failed())",
        "    if (!ts->io.write || !ts->write_now)", ["stream_failure"],
        "a tile whose read failed has the slot's previous results written as its own"),
}


def sh(cmd, cwd, quiet=True):
    return subprocess.run(cmd, cwd=cwd, shell=isinstance(cmd, str), text=True,
                          capture_output=quiet)


def test_results(build, tests):
    """{test: Passed, Failed, Skipped, Timeout, ...} for the tests named."""
    pattern = "^(" + "|".join(re.escape(t) for t in sorted(set(tests))) + ")$"
    p = sh(["ctest", "-R", pattern, "-j2"], cwd=build)
    return dict(re.findall(r"Test +#\d+: (\S+) \.*\s*(?:\*\*\*)?(\w+)", p.stdout))


def main():
    args = sys.argv[1:]
    if args == ["--list"]:
        for name, m in MUTATIONS.items():
            print(f"{name:28} {m[4]}")
        return 0
    names = args or list(MUTATIONS)
    unknown = [n for n in names if n not in MUTATIONS]
    if unknown:
        print(f"unknown mutation(s): {unknown}", file=sys.stderr)
        return 2
    repo = subprocess.run(["git", "rev-parse", "--show-toplevel"], text=True,
                          capture_output=True, check=True).stdout.strip()
    prefix = os.path.join(repo, ".deps", "starpu")
    if not os.path.isdir(prefix):
        print("no .deps/starpu: run `make bootstrap` first", file=sys.stderr)
        return 2
    work = tempfile.mkdtemp(prefix="lp-mutation-")
    tree = os.path.join(work, "tree")
    sh(["git", "worktree", "add", "--detach", tree, "HEAD"], cwd=repo)
    build = os.path.join(tree, "build")
    bad = 0
    try:
        sim = os.path.join(repo, ".deps", "starpu-sim")   # lp-starpu-sim, where built
        smpi = os.path.join(repo, ".deps", "starpu-smpi")  # and its --nodes
        p = sh(["cmake", "-S", tree, "-B", build, f"-DLP_STARPU_PREFIX={prefix}",
                f"-DLP_STARPU_SIM_PREFIX={sim}", f"-DLP_STARPU_SMPI_PREFIX={smpi}"], cwd=tree)
        if p.returncode != 0:
            print(p.stdout[-3000:], p.stderr[-3000:])
            return 1
        p = sh(["cmake", "--build", build, "-j2"], cwd=tree)
        if p.returncode != 0:
            print(p.stdout[-3000:], p.stderr[-3000:])
            return 1
        # Unmutated, every test named must pass: a test that fails already
        # or skips here cannot show anything.
        baseline = test_results(build, [t for n in names for t in MUTATIONS[n][3]])
        broken = {t: r for t, r in baseline.items() if r not in ("Passed", "Skipped")}
        if broken:
            print(f"the unmutated suite fails: {broken}")
            return 1
        for name in names:
            path, old, new, tests, why = MUTATIONS[name]
            usable = [t for t in tests if baseline.get(t) == "Passed"]
            if not usable:
                print(f"UNTESTABLE  {name}: {tests} skip on this machine")
                bad += 1
                continue
            full = os.path.join(tree, path)
            text = open(full).read()
            if text.count(old) != 1:
                print(f"STALE       {name}: the text to mutate occurs {text.count(old)} times "
                      f"in {path}")
                bad += 1
                continue
            start = time.monotonic()
            open(full, "w").write(text.replace(old, new))
            try:
                p = sh(["cmake", "--build", build, "-j2"], cwd=tree)
                if p.returncode != 0:
                    print(f"NO BUILD    {name}: {p.stdout[-800:]}")
                    bad += 1
                    continue
                results = test_results(build, usable)
            finally:
                open(full, "w").write(text)
            missed = {t: results.get(t, "not run") for t in usable
                      if results.get(t) not in ("Failed", "Timeout", "Subprocess", "Exception")}
            took = time.monotonic() - start
            if missed:
                bad += 1
                print(f"NOT CAUGHT  {name} ({why}): {missed}")
            else:
                print(f"caught      {name} ({why}): {', '.join(usable)} failed  [{took:.0f} s]")
            sys.stdout.flush()
        sh(["cmake", "--build", build, "-j2"], cwd=tree)
    finally:
        sh(["git", "worktree", "remove", "--force", tree], cwd=repo)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(names) - bad} of {len(names)} mutations caught")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
