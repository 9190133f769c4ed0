# Every command has a man page whose synopsis matches its -h usage.
MAN=$(cd "$(dirname "$MS")/../man" 2>/dev/null && pwd)
[ -d "$MAN" ] || MAN=$INTEROP/../../man
for c in $("$MS" help | awk '/^Commands:/{on=1;next} on && !NF {exit} on {print $1}'); do
	[ "$c" = help ] && page=$MAN/modelseal.1 || page=$MAN/modelseal-$c.1
	check "man page for $c exists" [ -f "$page" ]
	[ -f "$page" ] || continue
	synopsis=$("$MS" "$c" -h | sed -n '1s/^usage: //p')
	sed 's/\\-/-/g' "$page" >page.txt
	check "man page synopsis of $c matches -h ($synopsis)" grep -qF -- "$synopsis" page.txt
done

# The main page lists every command.
sed 's/\\-/-/g' "$MAN/modelseal.1" >main.txt
for c in $("$MS" help | awk '/^Commands:/{on=1;next} on && !NF {exit} on {print $1}'); do
	check "modelseal.1 lists $c" grep -q "^\.B $c\$" main.txt
done
