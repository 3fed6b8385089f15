# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for kvmregsctl: verbs, the options each verb takes, vCPU configuration
# names (from the profile files already on the command line, with jq), profile files,
# hosts and libvirt domains. Installed as <completionsdir>/kvmregsctl, which bash-completion
# loads the first time kvmregsctl is completed; also works sourced into a plain bash.
# The verb and option tables follow ctl/kvmregsctl.c (verbs[], options[], option_verbs());
# tests/test-completion.sh checks them against kvmregsctl --help.

# vCPU configuration names kvmregs records (docs/profile-format.md), for when no profile
# file is at hand or jq is missing.
_kvmregsctl_configs='base pmu sve ptrauth el1_32bit mte all all_vgic3'

# Options that take a value.
_kvmregsctl_with_arg=' --bus-address --timeout --connect-timeout --config --dst-config --src-qemu --dst-qemu --to --from --dest-profile --dest-bus --bridge --ssh-option --hosts --domain-xml --record --profile-out --output -o --hosts-file --parallel --host --profile --format '

# Options per verb (option_verbs() in ctl/kvmregsctl.c); every verb also takes the global ones.
_kvmregsctl_global='--bus-address --timeout --connect-timeout --json --verbose --help --version'
_kvmregsctl_verb_options() {
        case $1 in
        show)    echo --config ;;
        compare) echo --config --dst-config --local ;;
        profile) echo --config ;;
        status)  ;;
        check)   echo --to --from --dest-profile --dest-bus --bridge --ssh-option --domain-xml --record --summary ;;
        migrate) echo --to --from --dest-profile --dest-bus --bridge --ssh-option --domain-xml \
                        --live --p2p --tunnelled --persistent --undefinesource --force ;;
        fleet)   echo --config --hosts --bridge --ssh-option --per-host --per-class ;;
        matrix)  echo --config --csv --per-host --per-class ;;
        groups)  echo --config --per-host --per-class ;;
        whatif)  echo --config --csv --per-host --per-class --host --profile ;;
        export)  echo --format --output --config ;;
        baseline) echo --profile-out ;;
        collect) echo --output --hosts-file --parallel --bridge --ssh-option ;;
        *)       echo --config --dst-config --local --src-qemu --dst-qemu --to --from --dest-profile --dest-bus --bridge \
                        --ssh-option --domain-xml --record --summary --live --p2p --tunnelled --persistent \
                        --undefinesource --force --hosts ;;
        esac
}

# Files (and folders to walk into), the way bash-completion does it if it is loaded.
_kvmregsctl_files() {
        local cur=$1
        if declare -F _filedir >/dev/null 2>&1; then
                _filedir
                return
        fi
        compopt -o filenames 2>/dev/null
        local IFS=$'\n'
        COMPREPLY+=($(compgen -f -- "$cur"))
}

# The configuration names of the profiles given so far (non-skipped), else the usual ones.
_kvmregsctl_config_names() {
        local f names=
        if command -v jq >/dev/null 2>&1; then
                for f in "$@"; do
                        f=${f/#\~/$HOME}
                        [ -f "$f" ] && [ -r "$f" ] || continue
                        names=$(jq -r '.configs[]? | select(.skipped == null) | .name | strings' -- "$f" 2>/dev/null) \
                                && [ -n "$names" ] && break
                        names=
                done
        fi
        echo "${names:-$_kvmregsctl_configs}"
}

_kvmregsctl_hosts() {
        local cur=$1
        if declare -F _known_hosts_real >/dev/null 2>&1; then
                _known_hosts_real -a -- "$cur"
        else
                COMPREPLY+=($(compgen -A hostname -- "$cur"))
        fi
}

_kvmregsctl_domains() {
        local cur=$1 from=$2 t=
        command -v virsh >/dev/null 2>&1 || return
        command -v timeout >/dev/null 2>&1 && t='timeout 2'
        local IFS=$'\n'
        COMPREPLY+=($(compgen -W "$($t virsh ${from:+-c "$from"} -q list --all --name 2>/dev/null)" -- "$cur"))
}

_kvmregsctl() {
        local cur prev words cword
        local i w verb= from= domain_xml= nargs=0
        local -a args=()

        COMPREPLY=()
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${words[cword]}
        prev=
        [ "$cword" -gt 0 ] && prev=${words[cword - 1]}
        # "--config=ba": bash splits at '=' (COMP_WORDBREAKS); complete the value.
        if [ "$cur" = "=" ] && [[ $prev == --* ]]; then
                cur=
        elif [ "$prev" = "=" ] && [ "$cword" -gt 1 ]; then
                prev=${words[cword - 2]}
        fi

        # The verb and the arguments so far (option values skipped).
        for ((i = 1; i < cword; i++)); do
                w=${words[i]}
                if [ "$w" = "=" ] || [ "${words[i + 1]:-}" = "=" ]; then
                        # --opt = value: the value is the word after '='
                        [ "$w" = "=" ] && i=$((i + 1))
                        continue
                fi
                case $w in
                --from) from=${words[i + 1]:-} ;;
                --domain-xml) domain_xml=${words[i + 1]:-} ;;
                esac
                if [[ $_kvmregsctl_with_arg == *" $w "* ]]; then
                        i=$((i + 1))
                        continue
                fi
                case $w in
                -*) continue ;;
                esac
                if [ -z "$verb" ]; then
                        verb=$w
                else
                        args+=("$w")
                        nargs=$((nargs + 1))
                fi
        done

        # The value of an option.
        case $prev in
        --config|--dst-config)
                local files=("${args[@]}")
                case $verb in compare|show|fleet|matrix|groups|whatif|export) ;; *) files=() ;; esac
                COMPREPLY=($(compgen -W "$(_kvmregsctl_config_names "${files[@]}")" -- "$cur"))
                return 0 ;;
        --src-qemu|--dst-qemu)
                COMPREPLY=($(compgen -W "7.2 8.2 9.2 10.0 11.1" -- "$cur"))
                return 0 ;;
        --dest-profile|--domain-xml|--record|--profile-out|--hosts-file|--output|-o|--profile)
                _kvmregsctl_files "$cur"
                return 0 ;;
        --to)
                _kvmregsctl_hosts "$cur"
                return 0 ;;
        --hosts)
                # a comma-separated list: complete the last one
                local head=${cur%,*} last=${cur##*,} h
                if [ "$head" = "$cur" ]; then
                        _kvmregsctl_hosts "$cur"
                else
                        COMPREPLY=()
                        _kvmregsctl_hosts "$last"
                        for h in "${!COMPREPLY[@]}"; do COMPREPLY[h]="$head,${COMPREPLY[h]}"; done
                fi
                compopt -o nospace 2>/dev/null
                return 0 ;;
        --bus-address|--dest-bus)
                COMPREPLY=($(compgen -W 'unix:path= unix:abstract= unixexec:path=' -- "$cur"))
                compopt -o nospace 2>/dev/null
                return 0 ;;
        --bridge)
                COMPREPLY=($(compgen -c -- "$cur"))
                return 0 ;;
        --from)
                COMPREPLY=($(compgen -W 'qemu:///system qemu+ssh://' -- "$cur"))
                compopt -o nospace 2>/dev/null
                return 0 ;;
        --format)
                COMPREPLY=($(compgen -W 'kubevirt nova' -- "$cur"))
                return 0 ;;
        --timeout|--connect-timeout|--ssh-option|--parallel|--host)
                return 0 ;;
        esac

        if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$_kvmregsctl_global $(_kvmregsctl_verb_options "$verb")" -- "$cur"))
                [ -n "$verb" ] || COMPREPLY+=($(compgen -W '-h -v' -- "$cur"))
                return 0
        fi

        if [ -z "$verb" ]; then
                COMPREPLY=($(compgen -W 'show compare profile status check migrate fleet matrix groups whatif baseline collect export' -- "$cur"))
                return 0
        fi

        case $verb in
        collect)
                _kvmregsctl_hosts "$cur" ;;
        show|compare|fleet|matrix|groups|whatif|baseline|export)
                _kvmregsctl_files "$cur" ;;
        check)
                # check --domain-xml FILE is offline: no DOMAIN
                ((nargs == 0)) && [ -z "$domain_xml" ] && _kvmregsctl_domains "$cur" "$from" ;;
        migrate)
                if ((nargs == 0)); then
                        _kvmregsctl_domains "$cur" "$from"
                elif ((nargs == 1)); then
                        COMPREPLY=($(compgen -W 'qemu+ssh://' -- "$cur"))
                        compopt -o nospace 2>/dev/null
                fi ;;
        esac
        return 0
}
complete -F _kvmregsctl kvmregsctl
